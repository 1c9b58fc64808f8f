"""XOR: a single perceptron gets stuck at 75%, a two-layer network learns it.

Run from the repository root:  python -m demos.xor  (or python demos/xor.py; --help for options)

1. The classic perceptron (step activation, perceptron rule) on the XOR truth table: it never
   converges, and the best weights it passes through get 3 of the 4 cases right.
2. An MLP with one hidden layer (8 tanh units, a sigmoid output, binary cross-entropy, Adam)
   learns all 4 cases; training stops as soon as every case is right with a margin
   (output >= 0.9 for a 1, <= 0.1 for a 0).
3. The truth table with the network's outputs, and a map of the input square showing where
   the network answers 1 and where 0.
4. With --graph PATH, one forward and backward pass of the trained network, for the input
   (1, 0), drawn as an SVG with Graphviz (and, with --html PATH, the step-by-step walkthrough
   page). The demo writes no file unless asked; a file already at PATH is replaced, and the
   demo says so.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

if __package__ in (None, ""):  # run as a file (python demos/xor.py): make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demos._terminal import Progress, decision_map, gc_paused, replacing  # noqa: E402
from stepgrad import Value, no_grad  # noqa: E402
from stepgrad.nn import ACTIVATIONS, MLP, Perceptron, PerceptronResult  # noqa: E402
from stepgrad.nn.data import xor  # noqa: E402
from stepgrad.nn.losses import binary_cross_entropy  # noqa: E402
from stepgrad.nn.optim import SGD, Adagrad, Adam, RMSprop  # noqa: E402

# Learning rates that solve XOR quickly with each optimiser (used when --lr is not given).
OPTIMIZERS = {
    "sgd": 1.0,
    "momentum": 0.5,
    "adagrad": 0.5,
    "rmsprop": 0.05,
    "adam": 0.1,
}
MARGIN = 0.9  # training stops when every output is >= 0.9 for a 1 and <= 0.1 for a 0


@dataclass
class XorOptions:
    """The demo's settings (the command-line options, with the same defaults)."""

    hidden: int = 8
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float | None = None  # None: the optimiser's entry in OPTIMIZERS
    epochs: int = 500  # at most; training stops once XOR is solved
    seed: int = 0
    graph: str | None = None  # None: do not draw (no file is written unless asked)
    html: str | None = None
    every: int = 5  # progress line every N epochs when not on a terminal


@dataclass
class XorResult:
    """What the demo found (returned by `run`, checked by the tests)."""

    perceptron: PerceptronResult
    model: MLP
    solved: bool  # every case right with the margin
    epochs: int  # training epochs (parameter updates) made
    accuracy: float  # share of the 4 cases the network gets right (output > 0.5 means 1)
    outputs: list[float]  # the network's output for each row of the truth table
    losses: list[float] = field(default_factory=list)  # loss before each update
    graph: str | None = None  # path of the SVG written, if any
    html: str | None = None  # path of the walkthrough page written, if any
    notes: list[str] = field(default_factory=list)  # what could not be done, and why


def make_optimizer(name: str, params: list[Value], lr: float):
    """The optimiser called `name` (see OPTIMIZERS) over `params`."""
    if name == "sgd":
        return SGD(params, lr=lr)
    if name == "momentum":
        return SGD(params, lr=lr, momentum=0.9)
    if name == "adagrad":
        return Adagrad(params, lr=lr)
    if name == "rmsprop":
        return RMSprop(params, lr=lr)
    if name == "adam":
        return Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")


def solved(outputs: list[float], targets: list[int]) -> bool:
    """True when every output is on the right side of 0.5 by the margin."""
    return all((p >= MARGIN) if t == 1 else (p <= 1.0 - MARGIN)
               for p, t in zip(outputs, targets, strict=True))


def accuracy(outputs: list[float], targets: list[int]) -> float:
    """The share of outputs on the right side of 0.5."""
    return sum((p > 0.5) == (t == 1) for p, t in zip(outputs, targets, strict=True)) / len(targets)


def say(text: str, out: TextIO) -> None:
    """Print a paragraph, indented and wrapped to 88 columns."""
    print(textwrap.fill(text, 88, initial_indent="   ", subsequent_indent="   "), file=out)


def run_perceptron(out: TextIO) -> PerceptronResult:
    """Part 1: the single perceptron on XOR."""
    inputs, targets = xor()
    p = Perceptron(2)
    result = p.fit(inputs, targets, max_epochs=100)
    print("1. One perceptron (step activation, perceptron rule) on XOR", file=out)
    say(result.message[0].upper() + result.message[1:] + ".", out)
    w1, w2 = p.w
    print(f"   Its best line: {w1:g}*x1 + {w2:g}*x2 + {p.b:g} > 0 means 1.", file=out)
    for x, t in zip(inputs, targets, strict=True):
        y = p.predict(x)
        mark = "ok" if y == t else "WRONG"
        print(f"   x = ({x[0]:g}, {x[1]:g})  target {max(t, 0)}  perceptron {max(y, 0)}  {mark}",
              file=out)
    return result


def train(options: XorOptions, out: TextIO) -> tuple[MLP, list[float], int, bool]:
    """Part 2: train the MLP; returns (model, losses, epochs, solved)."""
    inputs, targets = xor(negative=0)
    lr = OPTIMIZERS[options.optimizer] if options.lr is None else options.lr
    model = MLP(2, [options.hidden, 1], options.activation, "sigmoid", seed=options.seed)
    optimizer = make_optimizer(options.optimizer, model.parameters(), lr)
    print(f"\n2. A two-layer network: {model}", file=out)
    say(f"{options.activation} hidden units, sigmoid output, binary cross-entropy, "
        f"{options.optimizer} (lr {lr:g}), seed {options.seed}; training stops when every "
        f"output is within {1 - MARGIN:g} of its target.", out)
    progress = Progress(options.epochs, every=options.every, stream=out)
    losses: list[float] = []
    epoch = 0
    stopped = ""
    while True:
        preds = [model(x) for x in inputs]
        outputs = [p.data for p in preds]
        try:
            loss = binary_cross_entropy(preds, targets)
        except ValueError as e:  # an output saturated to exactly 0 or 1 (a huge --lr)
            stopped = f"Training stopped at epoch {epoch}: {e}"
            break
        progress.update(epoch, loss.data, accuracy(outputs, targets))
        if solved(outputs, targets) or epoch == options.epochs:
            break
        losses.append(loss.data)
        model.zero_grad()
        loss.backward()
        optimizer.step()
        epoch += 1
    progress.finish()
    if stopped:
        say(stopped, out)
    done = solved(outputs, targets)
    if done:
        print(f"   Solved after {epoch} epochs: all 4 cases right.", file=out)
    else:
        hint = ("a linear hidden layer makes the whole network one linear function, a single "
                "line, and no line separates XOR" if options.activation == "linear" else
                "try another --seed, more --epochs, more --hidden units or another --lr")
        say(f"Not solved after {epoch} epoch{'s' * (epoch != 1)} (accuracy "
            f"{accuracy(outputs, targets):.0%}): {hint}.", out)
    return model, losses, epoch, done


def truth_table(model: MLP, out: TextIO) -> list[float]:
    """Part 3a: the truth table with the network's outputs."""
    inputs, targets = xor(negative=0)
    print("\n3. The truth table and what the network answers", file=out)
    print("   x1  x2 | XOR | output  answer", file=out)
    outputs = []
    with no_grad():
        for x, t in zip(inputs, targets, strict=True):
            p = model(x).data
            outputs.append(p)
            answer = 1 if p > 0.5 else 0
            mark = "ok" if answer == t else "WRONG"
            print(f"    {x[0]:g}   {x[1]:g} |  {t}  | {p:.4f}    {answer}  {mark}", file=out)
    return outputs


def xor_map(model: MLP) -> str:
    """Part 3b: where in the input square the network answers 1 (# +) and 0 (. -)."""
    inputs, targets = xor()

    def score(x1: float, x2: float) -> float:
        return model([x1, x2]).data - 0.5

    return decision_map(score, (-0.25, 1.25), (-0.25, 1.25), width=31, height=13,
                        points=inputs, labels=targets, sure=MARGIN - 0.5, names=("0", "1"))


def one_pass(model: MLP) -> Value:
    """The loss of the trained network for the input (1, 0), after one backward pass."""
    x = [Value(1.0, label="x1"), Value(0.0, label="x2")]
    p = model(x)
    loss = binary_cross_entropy([p], [1])
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    return loss


def save_graph(root: Value, path: str) -> tuple[str | None, str]:
    """Write the graph of `root` as SVG; returns (path or None, a one-line message)."""
    from stepgrad import GraphvizMissingError, draw

    try:
        svg = draw(root).pipe(format="svg")
    except GraphvizMissingError:
        return None, ("Graph not drawn: Graphviz's `dot` program is not installed "
                      "(Debian/Ubuntu: sudo apt-get install graphviz).")
    except ImportError as e:
        return None, f"Graph not drawn: {e}"
    replaced = replacing(path)
    try:
        Path(path).write_bytes(svg)
    except OSError as e:
        return None, f"Graph not written: cannot write {path} ({e.strerror or e})."
    return path, f"Wrote the graph of one forward/backward pass to {path}{replaced}"


def save_walkthrough(root: Value, path: str) -> tuple[str | None, str]:
    """Write the step-by-step walkthrough page of `root`'s backward pass."""
    from stepgrad import GraphvizMissingError, walkthrough

    replaced = replacing(path)
    try:
        walkthrough(root, path, title="XOR: one backward pass for the input (1, 0)")
    except GraphvizMissingError:
        return None, ("Walkthrough page not written: Graphviz's `dot` program is not installed "
                      "(Debian/Ubuntu: sudo apt-get install graphviz).")
    except ImportError as e:
        return None, f"Walkthrough page not written: {e}"
    except OSError as e:
        return None, f"Walkthrough page not written: cannot write {path} ({e.strerror or e})."
    return path, f"Wrote the step-by-step walkthrough of that pass to {path}{replaced}"


def run(options: XorOptions | None = None, out: TextIO | None = None) -> XorResult:
    """The whole demo; prints to `out` (stdout by default) and returns what it found."""
    options = options or XorOptions()
    out = out if out is not None else sys.stdout
    perceptron = run_perceptron(out)
    with gc_paused():
        model, losses, epochs, done = train(options, out)
    outputs = truth_table(model, out)
    targets = xor(negative=0)[1]
    print("\n   The input square: where the network answers 1 and where 0", file=out)
    print("   " + xor_map(model).replace("\n", "\n   "), file=out)
    result = XorResult(perceptron, model, done, epochs, accuracy(outputs, targets), outputs,
                       losses)
    if options.graph or options.html:
        root = one_pass(model)
        n = sum(1 for _ in _nodes(root))
        print(f"\n4. One forward/backward pass for the input (1, 0): {n} values", file=out)
        if options.graph:
            result.graph, message = save_graph(root, options.graph)
            print(f"   {message}", file=out)
            if result.graph is None:
                result.notes.append(message)
        if options.html:
            result.html, message = save_walkthrough(root, options.html)
            print(f"   {message}", file=out)
            if result.html is None:
                result.notes.append(message)
    return result


def _nodes(root: Value):
    from stepgrad.backward import topological_order

    return topological_order(root)


def parse_args(argv: list[str] | None) -> XorOptions:
    """The command-line options as an XorOptions."""
    d = XorOptions()
    parser = argparse.ArgumentParser(
        prog="python -m demos.xor",
        description="A perceptron cannot learn XOR; a two-layer network can. Trains one, "
                    "prints its truth table and a map of its decisions, and, when asked "
                    "(--graph, --html), draws one forward/backward pass. It writes no file "
                    "unless asked; a file already at PATH is replaced, and the demo says so.",
    )
    parser.add_argument("--hidden", type=_positive_int, default=d.hidden,
                        help=f"hidden units (default {d.hidden})")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default=d.activation,
                        help=f"hidden activation (default {d.activation})")
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default=d.optimizer,
                        help=f"optimiser (default {d.optimizer})")
    parser.add_argument("--lr", type=_positive_float, default=None,
                        help="learning rate (default: " + ", ".join(
                            f"{k} {v:g}" for k, v in OPTIMIZERS.items()) + ")")
    parser.add_argument("--epochs", type=_positive_int, default=d.epochs,
                        help=f"at most this many epochs (default {d.epochs}); training stops "
                             "as soon as XOR is solved")
    parser.add_argument("--seed", type=int, default=d.seed,
                        help=f"seed of the initial weights (default {d.seed})")
    parser.add_argument("--graph", metavar="PATH", default=None,
                        help="write the graph of one forward/backward pass to PATH as SVG "
                             "(needs Graphviz; by default no file is written)")
    parser.add_argument("--no-graph", action="store_true",
                        help=argparse.SUPPRESS)  # the default now; still accepted
    parser.add_argument("--html", metavar="PATH", default=None,
                        help="write the step-by-step walkthrough page of that pass to PATH")
    args = parser.parse_args(argv)
    return XorOptions(hidden=args.hidden, activation=args.activation,
                      optimizer=args.optimizer, lr=args.lr, epochs=args.epochs, seed=args.seed,
                      graph=None if args.no_graph else args.graph, html=args.html)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the demo; exit status 0 if the network solved XOR, 1 if not."""
    result = run(parse_args(argv))
    return 0 if result.solved else 1


if __name__ == "__main__":
    sys.exit(main())
