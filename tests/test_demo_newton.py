"""demos/newton.py: Newton's method with the engine's first and second derivatives."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

from demos import newton

ROOT = Path(__file__).resolve().parent.parent


def test_newton_reaches_1_within_1e_12_in_7_steps_with_the_right_derivatives():
    rows = newton.newton(2.0, 7)
    assert abs(rows[-1][0] - 1.0) <= 1e-12
    for x, y, dy, d2y in rows[:-1]:
        assert y == x**4 - 2 * x**2
        assert math.isclose(dy, 4 * x**3 - 4 * x, rel_tol=1e-14)
        assert math.isclose(d2y, 12 * x**2 - 4, rel_tol=1e-14)
    assert [round(r[0], 10) for r in rows[:3]] == [2.0, 1.4545454545, 1.1510467894]


def test_gradient_descent_is_much_slower():
    xs = newton.gradient_descent(2.0, lr=0.01, steps=200)
    assert 1e-12 < abs(xs[-1] - 1.0) < 1e-6


def test_the_printout():
    out = io.StringIO()
    assert newton.main([], out) == 0
    text = out.getvalue()
    assert "Newton's method: x <- x - y'/y''" in text
    assert "   7    1.0000000000000000" in text
    assert "After 7 Newton steps x = 1 " in text


def test_zero_curvature_is_a_clear_stop(monkeypatch):
    monkeypatch.setattr(newton, "f", lambda x: x**3)  # y' = 3x^2 and y'' = 6x are 0 at 0
    out = io.StringIO()
    assert newton.main(["--x0", "0"], out) == 1
    assert "Stopped: at x = 0 the curvature y'' is 0, so Newton's step" in out.getvalue()


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "demos.newton", "--steps", "4"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "After 4 Newton steps" in done.stdout
