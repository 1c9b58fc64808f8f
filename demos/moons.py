"""Two moons: micrograd's classic demo, a max-margin classifier on data no line separates.

Run from the repository root:  python -m demos.moons  (or python demos/moons.py; --help)

An MLP(2, [16, 16, 1]) with ReLU hidden layers gives each point a score; the loss is the SVM
max-margin (hinge) loss mean(max(0, 1 - label * score)) plus an L2 penalty 1e-4 * sum(w**2).
Training stops as soon as every training point is on the right side (100% accuracy), then a
map of the plane shows where the network says +1 and where -1.

Each epoch is one step over all the points at once with batch replay (stepgrad.batched: the
graph of one point, recorded and replayed for every point); --per-sample builds one graph per
point instead, as micrograd does (the same numbers, several times slower).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

if __package__ in (None, ""):  # run as a file (python demos/moons.py): make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demos._terminal import Progress, decision_map, gc_paused  # noqa: E402
from stepgrad import Value, batched, no_grad  # noqa: E402
from stepgrad.nn import MLP, make_moons  # noqa: E402
from stepgrad.nn.losses import hinge  # noqa: E402
from stepgrad.nn.optim import SGD, Adam  # noqa: E402

LEARNING_RATES = {"adam": 0.1, "sgd": 1.0}


@dataclass
class MoonsOptions:
    """The demo's settings (the command-line options, with the same defaults)."""

    n: int = 100  # points
    noise: float = 0.1
    epochs: int = 100  # at most; training stops at 100% accuracy
    seed: int = 0  # seeds both the data and the initial weights
    optimizer: str = "adam"  # or "sgd": micrograd's lr 1.0 decaying linearly to 0.1
    lr: float | None = None
    l2: float = 1e-4
    every: int = 5  # progress line every N epochs when not on a terminal
    map: bool = True
    per_sample: bool = False  # one graph per point instead of batch replay


@dataclass
class MoonsResult:
    """What the demo found (returned by `run`, checked by the tests)."""

    model: MLP
    solved: bool  # 100% training accuracy reached
    epochs: int  # parameter updates made
    accuracy: float
    losses: list[float] = field(default_factory=list)  # loss before each update
    points: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    seconds: float = 0.0
    fallbacks: int = 0  # with batch replay: points run one by one, over all epochs


def l2_penalty(model: MLP) -> Value:
    """The sum of every parameter squared."""
    params = model.parameters()
    penalty = params[0] * params[0]
    for p in params[1:]:
        penalty = penalty + p * p
    return penalty


def svm_loss(model: MLP, scores: list[Value], labels: list[int], l2: float) -> Value:
    """Hinge loss over the batch plus l2 * (sum of every parameter squared)."""
    return hinge(scores, labels) + l2 * l2_penalty(model)


def accuracy(scores: list[Value], labels: list[int]) -> float:
    """The share of points whose score has the sign of their label."""
    return sum((s.data > 0) == (t > 0) for s, t in zip(scores, labels, strict=True)) / len(labels)


def run(options: MoonsOptions | None = None, out: TextIO | None = None) -> MoonsResult:
    """The whole demo; prints to `out` (stdout by default) and returns what it found."""
    o = options or MoonsOptions()
    out = out if out is not None else sys.stdout
    start = time.perf_counter()
    points, labels = make_moons(o.n, noise=o.noise, seed=o.seed)
    model = MLP(2, [16, 16, 1], seed=o.seed)
    lr = LEARNING_RATES[o.optimizer] if o.lr is None else o.lr
    params = model.parameters()
    if o.optimizer == "adam":
        optimizer = Adam(params, lr=lr)
        how = f"Adam (lr {lr:g})"
    else:
        optimizer = SGD(params, lr=lr)
        how = f"SGD (lr {lr:g}, decaying linearly to {0.1 * lr:g} as in micrograd)"
    print(f"Two moons: {o.n} points (noise {o.noise:g}, seed {o.seed})", file=out)
    print(f"{model}", file=out)
    print(f"Loss: hinge (max-margin) + {o.l2:g} * sum(w**2); {how}", file=out)
    if o.per_sample:
        print(f"Every epoch builds one graph per point ({o.n} graphs).", file=out)
    else:
        print(f"Every epoch is one batched step over all {o.n} points (batch replay; "
              "--per-sample for one graph per point).", file=out)
    step = batched(lambda x, t: hinge(model(x), t))  # one point's hinge loss
    score = batched(lambda x: model(x))  # one point's score (run without gradients)
    progress = Progress(o.epochs, every=o.every, stream=out)
    losses: list[float] = []
    fallbacks = 0
    epoch = 0
    with gc_paused():
        while True:
            if o.per_sample:
                scores = [model(x) for x in points]
                acc = accuracy(scores, labels)
                loss = svm_loss(model, scores, labels, o.l2)
            else:
                loss = step(points, labels) + o.l2 * l2_penalty(model)
                with no_grad():
                    numbers = score(points).losses
                fallbacks += loss.fallbacks
                acc = sum((s > 0) == (t > 0) for s, t in zip(numbers, labels, strict=True)) \
                    / len(labels)
            progress.update(epoch, loss.data, acc)
            if acc == 1.0 or epoch == o.epochs:
                break
            losses.append(loss.data)
            model.zero_grad()
            loss.backward()
            if o.optimizer == "sgd":
                optimizer.lr = lr * (1.0 - 0.9 * epoch / o.epochs)
            optimizer.step()
            epoch += 1
        scores, loss = [], None  # free the last graph before drawing the map
        progress.finish()
        seconds = time.perf_counter() - start
        if acc == 1.0:
            print(f"100% of the training points right after {epoch} epochs ({seconds:.1f} s).",
                  file=out)
        else:
            print(f"Stopped after {epoch} epochs at {acc:.0%} accuracy: try more --epochs.",
                  file=out)
        if o.map:
            print(moons_map(model, points, labels), file=out)
    return MoonsResult(model, acc == 1.0, epoch, acc, losses, points, labels, seconds,
                       fallbacks)


def moons_map(model: MLP, points: list[list[float]], labels: list[int]) -> str:
    """Where the network says +1 (# +) and -1 (. -), with the training points on top."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x_range = (math.floor(min(xs) * 4 - 1) / 4, math.ceil(max(xs) * 4 + 1) / 4)
    y_range = (math.floor(min(ys) * 4 - 1) / 4, math.ceil(max(ys) * 4 + 1) / 4)

    def score(x: float, y: float) -> float:
        return model([x, y]).data

    return decision_map(score, x_range, y_range, width=64, height=20, points=points,
                        labels=labels, sure=1.0)


def parse_args(argv: list[str] | None) -> MoonsOptions:
    """The command-line options as a MoonsOptions."""
    d = MoonsOptions()
    parser = argparse.ArgumentParser(
        prog="python -m demos.moons",
        description="micrograd's two-moons demo: an MLP(2, [16, 16, 1]) trained with the "
                    "max-margin loss until every training point is right, then a map of its "
                    "decisions.",
    )
    parser.add_argument("--n", type=_at_least(2), default=d.n,
                        help=f"number of points (default {d.n})")
    parser.add_argument("--noise", type=float, default=d.noise,
                        help=f"noise of the points (default {d.noise:g})")
    parser.add_argument("--epochs", type=_at_least(1), default=d.epochs,
                        help=f"at most this many epochs (default {d.epochs}); training stops "
                             "at 100%% accuracy")
    parser.add_argument("--seed", type=int, default=d.seed,
                        help=f"seed of the data and the initial weights (default {d.seed})")
    parser.add_argument("--optimizer", choices=sorted(LEARNING_RATES), default=d.optimizer,
                        help=f"adam, or sgd with micrograd's decaying rate (default "
                             f"{d.optimizer})")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default: adam 0.1, sgd 1.0)")
    parser.add_argument("--no-map", action="store_true", help="do not print the map")
    parser.add_argument("--per-sample", action="store_true",
                        help="build one graph per point, as micrograd does, instead of batch "
                             "replay (the same numbers, slower)")
    args = parser.parse_args(argv)
    return MoonsOptions(n=args.n, noise=args.noise, epochs=args.epochs, seed=args.seed,
                        optimizer=args.optimizer, lr=args.lr, map=not args.no_map,
                        per_sample=args.per_sample)


def _at_least(low: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    """Run the demo; exit status 0 if it reached 100% training accuracy, 1 if not."""
    return 0 if run(parse_args(argv)).solved else 1


if __name__ == "__main__":
    sys.exit(main())
