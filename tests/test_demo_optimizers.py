"""demos/optimizers.py: every optimiser brings the loss down; the table shows all of them."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from demos import optimizers
from stepgrad import Value

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["SGD", "SGD+momentum", "Adagrad", "RMSprop", "Adam"]


@pytest.fixture(scope="module")
def curves():
    return optimizers.train_all(steps=200)


def test_every_optimiser_decreases_the_loss(curves):
    assert list(curves) == NAMES
    start = optimizers.valley(*[Value(x) for x in optimizers.START]).data
    for name, losses in curves.items():
        assert len(losses) == 201 and losses[0] == start
        assert losses[-1] < 0.02 * losses[0], name  # at least 50 times smaller
        assert min(losses[100:]) < min(losses[:100]), name  # still improving late on


def test_momentum_beats_plain_sgd_at_the_same_rate(curves):
    assert curves["SGD+momentum"][-1] < curves["SGD"][-1] / 1000


def test_reaches_the_minimum():
    _, (a, b) = optimizers.train("Adam", 200)
    assert (a, b) == pytest.approx((1.0, 1.0), abs=0.02)


def test_table_has_every_optimiser_and_the_right_rows(curves):
    text = optimizers.table(curves, every=50)
    lines = text.splitlines()
    assert lines[0].split() == ["step", *NAMES]
    assert [line.split()[0] for line in lines[1:]] == ["0", "50", "100", "150", "200"]
    row = lines[-1].split()
    assert [float(x) for x in row[1:]] == pytest.approx([c[200] for c in curves.values()], rel=1e-3)


def test_main_prints_the_table():
    out = io.StringIO()
    assert optimizers.main(["--steps", "30", "--every", "10"], stream=out) == 0
    text = out.getvalue()
    assert all(name in text for name in NAMES)
    assert "  30  " in text and "after 30 steps" in text


def test_plot_without_matplotlib_says_so(tmp_path, capsys):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        out = io.StringIO()
        assert optimizers.main(["--steps", "5", "--plot", str(tmp_path / "c.png")], out) == 1
        assert "--plot needs matplotlib" in capsys.readouterr().err
        assert "SGD+momentum" in out.getvalue()  # the table is still printed
        assert not (tmp_path / "c.png").exists()
    else:
        assert optimizers.main(["--steps", "5", "--plot", str(tmp_path / "c.png")]) == 0
        assert (tmp_path / "c.png").stat().st_size > 0


@pytest.mark.parametrize("command", [["-m", "demos.optimizers"], ["demos/optimizers.py"]])
def test_runs_from_the_repository_root(command):
    done = subprocess.run(
        [sys.executable, *command, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and "usage:" in done.stdout and "--plot" in done.stdout
    done = subprocess.run(
        [sys.executable, *command, "--steps", "20"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Adam" in done.stdout and "after 20 steps" in done.stdout


def test_bad_option_is_a_clear_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        optimizers.main(["--steps", "0"])
    assert stop.value.code == 2
    assert "must be at least 1, got 0" in capsys.readouterr().err
