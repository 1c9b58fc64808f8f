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
    assert "After 7 Newton steps x = 1: distance to the nearest lowest point (x = 1): 0.0e+00" \
        in text
    assert "Gradient descent did not get as close as Newton's method in 200 steps." in text


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


def run(x0: str) -> tuple[int, str]:
    out = io.StringIO()
    code = newton.main(["--x0", x0], out)
    return code, out.getvalue()


def test_the_summary_is_true_whatever_the_start():
    """Review finding: it said "distance to 1" and "gradient descent needs many more" whatever
    happened: at -1 (a lowest point too), at a highest point, and when descent got closer."""
    code, text = run("-2")
    assert code == 0 and "x = -1: distance to the nearest lowest point (x = -1): 0.0e+00" in text
    code, text = run("0.5")  # Newton jumps over to -1, descent rolls down to 1
    assert "They went to different points: Newton's method to -1, gradient descent to 1." in text
    code, text = run("5")  # descent gets closer than Newton's 7 steps, after some steps
    newton_x = newton.newton(5.0, 7)[-1][0]
    descent = newton.gradient_descent(5.0, lr=0.01, steps=200)
    k = next(k for k, x in enumerate(descent) if abs(x - 1) <= abs(newton_x - 1))
    assert f"Gradient descent needed {k} steps to get as close as Newton's method." in text
    assert "did not get as close" not in text


def test_a_start_on_the_highest_point_says_so():
    code, text = run("0")
    assert code == 0
    assert "x = 0: near the highest point x = 0 (distance 0.0e+00), not a lowest one" in text
    assert "Newton's method found no lowest point from here." in text
    assert "distance to the nearest lowest point" not in text


def test_a_start_too_far_away_stops_with_a_sentence_not_a_traceback():
    code, text = run("1e80")
    assert code == 1 and text.splitlines()[-1].startswith("Stopped: x ** 4 with x = 1e+80")
    code, text = run("10")  # Newton gets there; descent's first step overflows
    assert code == 0
    assert "Gradient descent (learning rate 0.01) stopped: its steps grew too large" in text
