"""Newton's method with automatic first and second derivatives (as DeZero, steps 33-34).

Run from the repository root:  python -m demos.newton  (or python demos/newton.py; --help)

We look for the lowest point of y = x^4 - 2x^2, starting at x = 2. Gradient descent takes
small steps along the slope y'. Newton's method also uses the curvature y'': it jumps to
where the slope would be zero if the curve were a parabola, x <- x - y'/y''. The engine gives
both numbers: `grad(y, x, create_graph=True)` returns y' as a Value with its own graph, and
`grad` of that Value gives y''. No derivative is written by hand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

if __package__ in (None, ""):  # run as a file (python demos/newton.py): make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepgrad import Value, grad  # noqa: E402


def f(x: Value) -> Value:
    """The function to minimise: y = x^4 - 2x^2 (lowest points at x = -1 and x = 1)."""
    return x**4 - 2 * x**2


def newton(x0: float = 2.0, steps: int = 7) -> list[tuple[float, float, float, float]]:
    """Newton's method from x0: one row (x, y, y', y'') per step, then (x, y, nan, nan)."""
    rows = []
    x = Value(x0, label="x")
    for _ in range(steps):
        y = f(x)
        (dy,) = grad(y, x, create_graph=True)  # y' as a Value with a graph of its own
        (d2y,) = grad(dy, x)  # y'', the derivative of that graph
        rows.append((x.data, y.data, dy.data, d2y.data))
        if d2y.data == 0.0:
            raise ValueError(
                f"at x = {x.data:.16g} the curvature y'' is 0, so Newton's step y'/y'' is not "
                "defined; start somewhere else (--x0)"
            )
        x = Value(x.data - dy.data / d2y.data, label="x")
    rows.append((x.data, f(x).data, float("nan"), float("nan")))
    return rows


def gradient_descent(x0: float = 2.0, lr: float = 0.01, steps: int = 200) -> list[float]:
    """Plain gradient descent from x0 for comparison: x <- x - lr * y'."""
    xs = [x0]
    x = Value(x0, label="x")
    for _ in range(steps):
        y = f(x)
        y.backward()
        x = Value(x.data - lr * x.grad, label="x")
        xs.append(x.data)
    return xs


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Print Newton's steps next to gradient descent's."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m demos.newton",
        description="Minimise y = x^4 - 2x^2 with Newton's method; the engine computes y' and y''.",
    )
    parser.add_argument("--x0", type=float, default=2.0, help="starting point (default 2)")
    parser.add_argument("--steps", type=int, default=7, help="Newton steps (default 7)")
    options = parser.parse_args(argv)
    if options.steps < 1:
        parser.error("--steps must be at least 1")

    print(f"Minimise y = x^4 - 2x^2, starting at x = {options.x0:g}.", file=out)
    print("Newton's method: x <- x - y'/y'' (y' and y'' from the engine)\n", file=out)
    print(f"{'step':>4}  {'x':>20}  {'y':>10}  {'dy/dx':>11}  {'d2y/dx2':>9}", file=out)
    try:
        rows = newton(options.x0, options.steps)
    except (ValueError, OverflowError) as error:
        print(f"Stopped: {error}", file=out)
        return 1
    for i, (x, y, dy, d2y) in enumerate(rows[:-1]):
        print(f"{i:>4}  {x:>20.16f}  {y:>10.6f}  {dy:>11.6g}  {d2y:>9.6g}", file=out)
    last = rows[-1][0]
    print(f"{len(rows) - 1:>4}  {last:>20.16f}  {rows[-1][1]:>10.6f}", file=out)
    print(f"\nAfter {len(rows) - 1} Newton steps x = {last:.16g}: {where(last, newton=True)}.",
          file=out)
    lr, n = 0.01, 200
    try:
        descent = gradient_descent(options.x0, lr=lr, steps=n)
    except OverflowError:
        print(f"Gradient descent (learning rate {lr}) stopped: its steps grew too large for a "
              "float (start closer to 0, --x0).", file=out)
        return 0
    print(f"Gradient descent (learning rate {lr}), after {n} steps: x = {descent[-1]:.16g}: "
          f"{where(descent[-1])}.", file=out)
    print(compare(last, descent), file=out)
    return 0


def nearest_flat_point(x: float) -> float:
    """The point where y' = 0 nearest to x: -1 or 1 (the lowest points), or 0 (the highest)."""
    return min((-1.0, 0.0, 1.0), key=lambda p: abs(x - p))


def where(x: float, newton: bool = False) -> str:
    """How far x is from the nearest lowest point, or that it is by the highest point."""
    p = nearest_flat_point(x)
    if p == 0.0:
        why = (": Newton's method goes where the slope is 0, and that can be a highest point "
               "(start elsewhere, --x0)") if newton else ""
        return f"near the highest point x = 0 (distance {abs(x):.1e}), not a lowest one{why}"
    return f"distance to the nearest lowest point (x = {p:g}): {abs(x - p):.1e}"


def compare(newton_x: float, descent: list[float]) -> str:
    """One sentence that compares the two, true for this run."""
    target = nearest_flat_point(newton_x)
    if target == 0.0:
        return "Newton's method found no lowest point from here."
    if nearest_flat_point(descent[-1]) != target:
        return (f"They went to different points: Newton's method to {target:g}, gradient "
                f"descent to {nearest_flat_point(descent[-1]):g}.")
    reached = abs(newton_x - target)
    steps = next((k for k, x in enumerate(descent) if abs(x - target) <= reached), None)
    if steps is None:
        return (f"Gradient descent did not get as close as Newton's method in {len(descent) - 1} "
                "steps.")
    return f"Gradient descent needed {steps} steps to get as close as Newton's method."

if __name__ == "__main__":
    raise SystemExit(main())
