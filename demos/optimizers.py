"""Five optimisers on the same problem: their loss curves side by side.

Run from the repository root:  python -m demos.optimizers  (or python demos/optimizers.py;
--help for options). With matplotlib installed, --plot curves.png also draws the curves.

The problem is a curved valley (Rosenbrock's function with a gentler wall):

    L(a, b) = (1 - a)^2 + 10 (b - a^2)^2,   minimum L = 0 at a = b = 1, start at (-1.2, 1).

The loss is rebuilt from Values at every step, then zero_grad(), backward(), step(), exactly as
when training a network. Plain SGD crawls along the valley floor; momentum keeps a running
direction and gets there much sooner; AdaGrad's steps shrink as squared gradients pile up;
RMSProp forgets old gradients; Adam combines momentum with RMSProp-style rates.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

if __package__ in (None, ""):  # run as a file (python demos/optimizers.py)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demos._terminal import replacing  # noqa: E402
from stepgrad import Value  # noqa: E402
from stepgrad.nn.optim import SGD, Adagrad, Adam, Optimizer, RMSprop  # noqa: E402

START = (-1.2, 1.0)

# name -> (how to make the optimiser, its learning rate); rates picked so each one does well
OPTIMIZERS: dict[str, tuple[Callable[[list[Value], float], Optimizer], float]] = {
    "SGD": (lambda p, lr: SGD(p, lr=lr), 0.01),
    "SGD+momentum": (lambda p, lr: SGD(p, lr=lr, momentum=0.9), 0.01),
    "Adagrad": (lambda p, lr: Adagrad(p, lr=lr), 0.5),
    "RMSprop": (lambda p, lr: RMSprop(p, lr=lr), 0.03),
    "Adam": (lambda p, lr: Adam(p, lr=lr), 0.1),
}


def valley(a: Value, b: Value) -> Value:
    """L(a, b) = (1 - a)^2 + 10 (b - a^2)^2."""
    return (1 - a) ** 2 + 10 * (b - a**2) ** 2


def train(
    name: str, steps: int = 200, lr: float | None = None
) -> tuple[list[float], tuple[float, float]]:
    """Train one optimiser; returns the loss before each step (and after the last) and (a, b)."""
    make, default_lr = OPTIMIZERS[name]
    a, b = Value(START[0], label="a"), Value(START[1], label="b")
    opt = make([a, b], default_lr if lr is None else lr)
    losses = []
    for _ in range(steps):
        loss = valley(a, b)
        losses.append(loss.data)
        opt.zero_grad()
        loss.backward()
        opt.step()
    losses.append(valley(a, b).data)
    return losses, (a.data, b.data)


def train_all(steps: int = 200) -> dict[str, list[float]]:
    """The loss curve of every optimiser: name -> [loss at step 0, 1, ..., steps]."""
    return {name: train(name, steps)[0] for name in OPTIMIZERS}


def table(curves: dict[str, list[float]], every: int = 20) -> str:
    """The curves side by side, one row every `every` steps (and the last step)."""
    names = list(curves)
    width = max(12, *(len(n) for n in names))
    steps = len(next(iter(curves.values()))) - 1
    rows = sorted(set(range(0, steps + 1, every)) | {steps})
    lines = ["step  " + "".join(f"{n:>{width + 2}}" for n in names)]
    for k in rows:
        lines.append(f"{k:>4}  " + "".join(f"{curves[n][k]:>{width + 2}.4g}" for n in names))
    return "\n".join(lines)


def plot(curves: dict[str, list[float]], path: str) -> None:
    """Draw the curves (log scale) to an image file; needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, losses in curves.items():
        ax.plot(range(len(losses)), losses, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss  (1 - a)^2 + 10 (b - a^2)^2")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demos.optimizers",
        description="Train SGD, SGD with momentum, Adagrad, RMSprop and Adam on the same "
        "curved valley L(a, b) = (1 - a)^2 + 10 (b - a^2)^2 and print their loss curves "
        "side by side.",
    )
    parser.add_argument("--steps", type=_positive_int, default=200, help="steps (default 200)")
    parser.add_argument(
        "--every", type=_positive_int, default=20, help="print a row every N steps (default 20)"
    )
    parser.add_argument("--plot", metavar="PATH",
                        help="also draw the curves to an image file at PATH (needs matplotlib); "
                             "a file already there is replaced, and the demo says so")
    return parser


def main(argv: Sequence[str] | None = None, stream: TextIO | None = None) -> int:
    """Print the table (and draw it with --plot); 0 on success, 1 if the plot failed."""
    args = build_parser().parse_args(argv)
    out = stream if stream is not None else sys.stdout
    out.write(f"L(a, b) = (1 - a)^2 + 10 (b - a^2)^2 from (a, b) = {START}; minimum 0 at (1, 1)\n")
    rates = ", ".join(f"{name} {lr:g}" for name, (_, lr) in OPTIMIZERS.items())
    out.write(f"learning rates: {rates}\n\n")
    curves, ends = {}, {}
    for name in OPTIMIZERS:
        curves[name], ends[name] = train(name, args.steps)
    out.write(table(curves, args.every) + "\n\n")
    for name, (a, b) in ends.items():
        out.write(f"{name:>12}: after {args.steps} steps (a, b) = ({a:.4f}, {b:.4f})\n")
    if args.plot:
        replaced = replacing(args.plot)
        try:
            plot(curves, args.plot)
        except ImportError:
            sys.stderr.write(
                "--plot needs matplotlib, which is not installed (pip install matplotlib); "
                "the table above has the same numbers.\n"
            )
            return 1
        except OSError as e:  # a folder that does not exist, no permission, ...
            sys.stderr.write(f"Plot not written: cannot write {args.plot} ({e.strerror or e}).\n")
            return 1
        out.write(f"\nplot written to {args.plot}{replaced}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
