"""micrograd's two-moons demo reaches 100% training accuracy."""

import io

from demos import moons


def check(result):
    """Recompute the accuracy from the model itself instead of trusting the demo's number."""
    right = sum((result.model(x).data > 0) == (t > 0)
                for x, t in zip(result.points, result.labels, strict=True))
    assert right == len(result.points)


def test_small_moons_reach_100_percent_and_print_a_map():
    out = io.StringIO()
    result = moons.run(moons.MoonsOptions(n=40, seed=1), out=out)
    text = out.getvalue()
    assert result.solved and result.accuracy == 1.0 and result.epochs < 100
    check(result)
    assert result.losses[-1] < result.losses[0]
    assert "100% of the training points right after" in text
    grid = [line for line in text.splitlines() if line.rstrip().endswith("|")]
    assert len(grid) == 20
    assert sum(line.count("X") + line.count("O") for line in grid) >= 30  # points on the map
    assert any("#" in line for line in grid) and any("." in line for line in grid)


def test_default_settings_reach_100_percent():
    result = moons.run(moons.MoonsOptions(map=False), out=io.StringIO())
    assert result.solved and len(result.points) == 100
    check(result)


def test_micrograd_sgd_schedule_also_works():
    result = moons.run(moons.MoonsOptions(n=30, optimizer="sgd", map=False), out=io.StringIO())
    assert result.solved
    check(result)


def test_batch_replay_and_per_sample_train_the_same_way():
    """The default (batch replay) and --per-sample give the same losses, epoch by epoch."""
    runs = [moons.run(moons.MoonsOptions(n=30, epochs=8, map=False, per_sample=p),
                      out=io.StringIO()) for p in (False, True)]
    batch, one_by_one = runs
    assert len(batch.losses) == len(one_by_one.losses) == 8 and batch.fallbacks == 0
    for a, b in zip(batch.losses, one_by_one.losses, strict=True):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b))
    for p, q in zip(batch.model.parameters(), one_by_one.model.parameters(), strict=True):
        assert abs(p.data - q.data) <= 1e-9


def test_per_sample_reaches_100_percent_and_says_how_it_trains():
    out = io.StringIO()
    result = moons.run(moons.MoonsOptions(n=30, map=False, per_sample=True), out=out)
    assert result.solved and "one graph per point" in out.getvalue()
    check(result)
    out = io.StringIO()
    moons.run(moons.MoonsOptions(n=30, map=False), out=out)
    assert "one batched step over all 30 points" in out.getvalue()


def test_command_line_options():
    o = moons.parse_args(["--n", "50", "--noise", "0.2", "--epochs", "10", "--seed", "3",
                          "--optimizer", "sgd", "--lr", "0.5", "--no-map", "--per-sample"])
    assert o == moons.MoonsOptions(n=50, noise=0.2, epochs=10, seed=3, optimizer="sgd",
                                   lr=0.5, map=False, per_sample=True)
    assert moons.parse_args([]) == moons.MoonsOptions()


def test_stops_at_the_epoch_limit():
    result = moons.run(moons.MoonsOptions(n=40, epochs=2, map=False), out=io.StringIO())
    assert result.epochs == 2 and not result.solved and len(result.losses) == 2
