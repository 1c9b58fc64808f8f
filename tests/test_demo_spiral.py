"""The spiral demo: three classes, softmax cross-entropy, trained with batch replay."""

import io
import math

import pytest

from demos import spiral
from stepgrad.nn.data import make_spiral


def right(result):
    """The accuracy recomputed from the model itself, point by point, on the ordinary engine."""
    hits = 0
    for x, t in zip(result.points, result.labels, strict=True):
        scores = [s.data for s in result.model(x)]
        hits += max(range(len(scores)), key=scores.__getitem__) == t
    return hits / len(result.points)


def test_default_run_reaches_95_percent_with_a_map_and_the_gradient_check():
    out = io.StringIO()
    result = spiral.run(spiral.SpiralOptions(), out=out)
    text = out.getvalue()
    assert len(result.points) == 300 and result.fallbacks == 0
    assert result.accuracy >= 0.95 and right(result) == result.accuracy
    assert result.losses[-1] < result.losses[0] / 10
    grid = [line for line in text.splitlines() if line.rstrip().endswith("|")]
    assert len(grid) == 24
    for mark in ".:+012":  # each class's area and each class's points are on the map
        assert any(mark in line for line in grid), mark
    # the check, recomputed here: softmax of point i's scores minus the one-hot row
    c = result.check
    scores = [s.data for s in result.model(result.points[c.sample])]
    exps = [math.exp(s - max(scores)) for s in scores]
    y = [e / sum(exps) for e in exps]
    r = [1.0 if j == result.labels[c.sample] else 0.0 for j in range(3)]
    for g, yj, rj in zip(c.grads, y, r, strict=True):
        assert g == pytest.approx(yj - rj, rel=1e-12, abs=1e-15)
    assert c.largest_error <= 1e-12 and "yes: the largest difference" in text


def test_pure_python_backend_and_another_size():
    result = spiral.run(spiral.SpiralOptions(n=25, classes=4, noise=0.1, backend="python",
                                             map=False, check=5), out=io.StringIO())
    assert result.accuracy >= 0.95 and right(result) == result.accuracy
    assert result.check.sample == 5 and result.check.largest_error <= 1e-12


def test_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "spiral.png"
    assert spiral.main(["--n", "30", "--epochs", "150", "--no-map", "--png", str(path)]) == 0
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_command_line_options():
    o = spiral.parse_args(["--n", "50", "--classes", "4", "--noise", "0.3", "--epochs", "10",
                           "--seed", "3", "--lr", "0.5", "--backend", "python", "--check",
                           "7", "--png", "x.png", "--no-map"])
    assert o == spiral.SpiralOptions(n=50, classes=4, noise=0.3, epochs=10, seed=3, lr=0.5,
                                     backend="python", check=7, png="x.png", map=False)
    assert spiral.parse_args([]) == spiral.SpiralOptions()


def test_make_spiral():
    points, labels = make_spiral(50, classes=3, noise=0.0, seed=1)
    assert len(points) == 150 and sorted(set(labels)) == [0, 1, 2]
    for (x, y), t in zip(points, labels, strict=True):
        r = math.hypot(x, y)
        assert r <= 1.0 + 1e-12
        if r > 0.05:  # on arm t: the angle is 2 pi t / 3 + 4 r, up to whole turns
            angle = math.atan2(x, y) - 2 * math.pi * t / 3 - 4 * r
            assert math.cos(angle) == pytest.approx(1.0, abs=1e-9)
    assert make_spiral(10, seed=4) == make_spiral(10, seed=4) != make_spiral(10, seed=5)
    for bad in [dict(n_per_class=1), dict(classes=1), dict(noise=-1.0), dict(classes=True)]:
        with pytest.raises(ValueError, match="make_spiral"):
            make_spiral(**{"n_per_class": 10, **bad})
