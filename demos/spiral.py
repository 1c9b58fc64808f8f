"""Three spirals: a multi-class classifier with softmax and cross-entropy, trained on the whole
data set at once with batch replay (stepgrad.batched).

Run from the repository root:  python -m demos.spiral  (or python demos/spiral.py; --help)

An MLP(2, [16, 16, 3]) with ReLU hidden layers gives each point one score (logit) per class;
softmax turns the scores into probabilities y, and the loss is the cross-entropy -log y_t of
the right class t, averaged over the points. `batched` records the graph of one point and
replays it for all of them, so an epoch costs a few milliseconds. At the end: a map of the
classes in the terminal (and a picture with --png, when matplotlib is installed), and the
check that for one point, on its ordinary graph, the gradient at the output layer is y - r
(r is the one-hot row of the right class).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

if __package__ in (None, ""):  # run as a file (python demos/spiral.py): make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demos._terminal import Progress, class_map, replacing  # noqa: E402
from stepgrad import batched, no_grad  # noqa: E402
from stepgrad.nn import MLP, make_spiral  # noqa: E402
from stepgrad.nn.losses import cross_entropy, softmax  # noqa: E402
from stepgrad.nn.optim import Adam  # noqa: E402

BACKENDS = ("auto", "python", "numpy")


@dataclass
class SpiralOptions:
    """The demo's settings (the command-line options, with the same defaults)."""

    n: int = 100  # points per class
    classes: int = 3
    noise: float = 0.2
    epochs: int = 200  # at most; training stops at 100% accuracy
    seed: int = 0  # seeds both the data and the initial weights
    lr: float = 0.02  # Adam
    backend: str = "auto"  # batched's backend: numpy when installed, else pure Python
    every: int = 20  # progress line every N epochs when not on a terminal
    map: bool = True
    png: str | None = None  # also draw the map to this PNG file (needs matplotlib)
    check: int = 0  # the point whose output-layer gradient is checked


@dataclass
class GradientCheck:
    """For one point: softmax y, the one-hot target r, and the engine's dL/d(output bias)."""

    sample: int
    label: int
    y: list[float]
    r: list[float]
    grads: list[float]  # from backward() on the point's ordinary graph

    @property
    def largest_error(self) -> float:
        """The largest |dL/dz_j - (y_j - r_j)| over the classes."""
        return max(abs(g - (y - r)) for g, y, r in zip(self.grads, self.y, self.r, strict=True))


@dataclass
class SpiralResult:
    """What the demo found (returned by `run`, checked by the tests)."""

    model: MLP
    accuracy: float
    epochs: int  # parameter updates made
    losses: list[float] = field(default_factory=list)  # loss before each update
    points: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    seconds: float = 0.0
    fallbacks: int = 0  # points the per-sample engine computed, over all epochs
    check: GradientCheck | None = None
    png: str | None = None


def classifier(model: MLP, classes: int, backend: str = "auto"
               ) -> Callable[[list[list[float]]], list[int]]:
    """A function giving, for a list of points, the class with the largest score of each
    (batch replay, one batched function per class, without gradients)."""
    scores = [batched(lambda x, k=k: model(x)[k], backend=backend) for k in range(classes)]

    def predict(points: list[list[float]]) -> list[int]:
        with no_grad():
            columns = [score(points).losses for score in scores]
        return [max(range(classes), key=lambda k: columns[k][i]) for i in range(len(points))]

    return predict


def accuracy(predicted: list[int], labels: list[int]) -> float:
    """The share of points whose predicted class is their label."""
    return sum(p == t for p, t in zip(predicted, labels, strict=True)) / len(labels)


def check_gradient(model: MLP, step_result: object, points: list[list[float]],
                   labels: list[int], i: int) -> GradientCheck:
    """Point i on the ordinary engine: its graph from `.sample(i)`, backward(), and the
    gradient at each output neuron's bias (which is dL/dz_j for its score z_j) next to y - r.
    """
    classes = model.nouts[-1]
    model.zero_grad()
    graph = step_result.sample(i)  # type: ignore[attr-defined]
    graph.backward()
    grads = [neuron.b.grad for neuron in model.layers[-1].neurons]
    model.zero_grad()
    with no_grad():
        y = [p.data for p in softmax(model(points[i]))]
    r = [1.0 if j == labels[i] else 0.0 for j in range(classes)]
    return GradientCheck(i, labels[i], y, r, grads)


def run(options: SpiralOptions | None = None, out: TextIO | None = None) -> SpiralResult:
    """The whole demo; prints to `out` (stdout by default) and returns what it found."""
    o = options or SpiralOptions()
    out = out if out is not None else sys.stdout
    start = time.perf_counter()
    points, labels = make_spiral(o.n, classes=o.classes, noise=o.noise, seed=o.seed)
    model = MLP(2, [16, 16, o.classes], activation="relu", output_activation="linear",
                seed=o.seed)
    optimizer = Adam(model.parameters(), lr=o.lr)
    step = batched(lambda x, t: cross_entropy([model(x)], [t]), backend=o.backend)
    print(f"Spiral: {o.classes} classes, {o.n} points each (noise {o.noise:g}, seed {o.seed})",
          file=out)
    print(f"{model}", file=out)
    print(f"Loss: softmax cross-entropy; Adam (lr {o.lr:g}); every epoch is one batched step "
          f"over all {len(points)} points", file=out)
    predict = classifier(model, o.classes, o.backend)
    progress = Progress(o.epochs, every=o.every, stream=out)
    losses: list[float] = []
    fallbacks = 0
    epoch = 0
    while True:
        loss = step(points, labels)
        fallbacks += loss.fallbacks
        acc = accuracy(predict(points), labels)
        progress.update(epoch, loss.data, acc)
        if acc == 1.0 or epoch == o.epochs:
            break
        losses.append(loss.data)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch += 1
    progress.finish()
    seconds = time.perf_counter() - start
    print(f"{acc:.1%} of the training points right after {epoch} epochs ({seconds:.1f} s; "
          f"points run one by one: {fallbacks}).", file=out)
    if o.map:
        print(spiral_map(predict, points, labels), file=out)
    check = check_gradient(model, loss, points, labels, o.check % len(points))
    print(check_table(check), file=out)
    png = None
    if o.png:
        png = draw_png(predict, points, labels, o.classes, o.png, out)
    return SpiralResult(model, acc, epoch, losses, points, labels, seconds, fallbacks, check,
                        png)


def check_table(c: GradientCheck) -> str:
    """The gradient check as a small table."""
    lines = [f"Point {c.sample} (class {c.label}) on its own graph: dL/dz_j = y_j - r_j?",
             "  class   y_j (softmax)   r_j   y_j - r_j    dL/dz_j (backward)"]
    for j, (y, r, g) in enumerate(zip(c.y, c.r, c.grads, strict=True)):
        lines.append(f"  {j:>5}   {y:13.6f}   {r:3.0f}   {y - r:+9.6f}    {g:+18.6f}")
    ok = "yes" if c.largest_error <= 1e-12 else "NO"
    lines.append(f"  {ok}: the largest difference is {c.largest_error:.1e}")
    return "\n".join(lines)


def _ranges(points: list[list[float]]) -> tuple[tuple[float, float], tuple[float, float]]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return ((math.floor(min(xs) * 4 - 1) / 4, math.ceil(max(xs) * 4 + 1) / 4),
            (math.floor(min(ys) * 4 - 1) / 4, math.ceil(max(ys) * 4 + 1) / 4))


def spiral_map(predict: Callable[[list[list[float]]], list[int]], points: list[list[float]],
               labels: list[int]) -> str:
    """The class the network gives each part of the plane, with the training points on top."""
    x_range, y_range = _ranges(points)
    return class_map(predict, x_range, y_range, width=64, height=24, points=points,
                     labels=labels)


def draw_png(predict: Callable[[list[list[float]]], list[int]], points: list[list[float]],
             labels: list[int], classes: int, path: str, out: TextIO) -> str | None:
    """The same map as a picture (needs matplotlib); returns the path, or None if it failed."""
    try:
        import matplotlib
    except ImportError:
        print("--png needs matplotlib, which is not installed (pip install matplotlib); no "
              "picture drawn.", file=out)
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (x0, x1), (y0, y1) = _ranges(points)
    size = 120
    xs = [x0 + (x1 - x0) * i / (size - 1) for i in range(size)]
    ys = [y0 + (y1 - y0) * j / (size - 1) for j in range(size)]
    grid = predict([[x, y] for y in ys for x in xs])
    rows = [grid[j * size:(j + 1) * size] for j in range(size)]
    colors = [f"C{k % 10}" for k in range(classes)]  # the same color for area and points
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(xs, ys, rows, levels=[k - 0.5 for k in range(classes + 1)], colors=colors,
                alpha=0.3)
    ax.scatter([p[0] for p in points], [p[1] for p in points], c=[colors[t] for t in labels],
               edgecolors="black", linewidths=0.5, s=18)
    ax.set_title(f"spiral: {classes} classes, {len(points)} points")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    replaced = replacing(path)
    try:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    except OSError as e:  # a folder that does not exist, no permission, ...
        print(f"Picture not written: cannot write {path} ({e.strerror or e}).", file=out)
        return None
    finally:
        plt.close(fig)
    print(f"Picture written to {path}{replaced}", file=out)
    return path


def parse_args(argv: list[str] | None) -> SpiralOptions:
    """The command-line options as a SpiralOptions."""
    d = SpiralOptions()
    parser = argparse.ArgumentParser(
        prog="python -m demos.spiral",
        description="Three spirals: an MLP(2, [16, 16, 3]) trained with softmax cross-entropy "
                    "on the whole data set at once (batch replay), a map of its classes, and "
                    "the check that the output-layer gradient is y - r.",
    )
    parser.add_argument("--n", type=_at_least(2), default=d.n,
                        help=f"points per class (default {d.n})")
    parser.add_argument("--classes", type=_at_least(2), default=d.classes,
                        help=f"number of classes (default {d.classes})")
    parser.add_argument("--noise", type=float, default=d.noise,
                        help=f"noise of the angle (default {d.noise:g})")
    parser.add_argument("--epochs", type=_at_least(1), default=d.epochs,
                        help=f"at most this many epochs (default {d.epochs}); training stops "
                             "at 100%% accuracy")
    parser.add_argument("--seed", type=int, default=d.seed,
                        help=f"seed of the data and the initial weights (default {d.seed})")
    parser.add_argument("--lr", type=float, default=d.lr,
                        help=f"Adam's learning rate (default {d.lr:g})")
    parser.add_argument("--backend", choices=BACKENDS, default=d.backend,
                        help="batched's backend (default auto: numpy when installed)")
    parser.add_argument("--check", type=int, default=d.check,
                        help=f"the point whose gradient is checked (default {d.check})")
    parser.add_argument("--png", metavar="PATH", default=None,
                        help="also draw the map to a PNG file at PATH (needs matplotlib); "
                             "a file already there is replaced, and the demo says so")
    parser.add_argument("--no-map", action="store_true", help="do not print the map")
    args = parser.parse_args(argv)
    return SpiralOptions(n=args.n, classes=args.classes, noise=args.noise, epochs=args.epochs,
                         seed=args.seed, lr=args.lr, backend=args.backend, check=args.check,
                         png=args.png, map=not args.no_map)


def _at_least(low: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    """Run the demo; exit status 0 if it reached 95% training accuracy and the gradient
    check held (and the picture was drawn, if asked for), 1 if not."""
    o = parse_args(argv)
    result = run(o)
    ok = result.accuracy >= 0.95 and result.check is not None \
        and result.check.largest_error <= 1e-12
    return 0 if ok and (o.png is None or result.png is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
