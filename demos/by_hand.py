"""The course's hand-derived update rules, computed by the engine and checked against the formula.

Run from the repository root:  python -m demos.by_hand  (or python demos/by_hand.py; --help)

Each line shows a rule as the course notes write it, the number the engine gets by building
the expression from Values and calling backward(), the number the formula gives (plain float
arithmetic, no engine), and a check mark when the two agree (to 12 significant digits).

Conventions (the notes'): r is the target, y the output, s the weighted sum before the
activation, z a hidden activation, eta the learning rate. Squared error is L = 1/2 (r - y)^2,
with the 1/2 so that dL/dy = -(r - y); the error signal delta = -dL/ds, so every update reads
"w <- w + eta * delta * input". (nn.losses.mse has no 1/2 and averages over the batch, like
PyTorch: for one sample its gradients are twice these; one line below shows it.)
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

if __package__ in (None, ""):  # run as a file (python demos/by_hand.py): make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepgrad import Value  # noqa: E402
from stepgrad.nn.losses import (  # noqa: E402
    binary_cross_entropy,
    cross_entropy,
    distribution_cross_entropy,
    entropy,
    kl_divergence,
    mse,
)
from stepgrad.nn.optim import SGD  # noqa: E402

TOLERANCE = 1e-12  # relative: "agree" means equal to about 12 significant digits


@dataclass(frozen=True)
class Check:
    """One rule: what the engine computed next to what the formula gives."""

    key: str  # a short id, e.g. "perceptron.w1"
    section: str
    rule: str  # the formula as the notes write it
    engine: tuple[float, ...]
    formula: tuple[float, ...]

    @property
    def agrees(self) -> bool:
        """True when every engine number equals its formula number (to TOLERANCE)."""
        return len(self.engine) == len(self.formula) and all(
            abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))
            for a, b in zip(self.engine, self.formula, strict=True)
        )


def _sigmoid(s: float) -> float:
    return 1.0 / (1.0 + math.exp(-s))


# ----- 1. the perceptron exercise ----------------------------------------------------------


def perceptron_exercise() -> list[Check]:
    """Linear output, delta rule: one gradient-descent step on L = 1/2 (t - y)^2 with SGD."""
    sec = (
        "1. Perceptron exercise (linear output, delta rule): w(0) = (-0.5, 0.75), b(0) = 0.375,\n"
        "   x = (1.5, 2), t = -1; one SGD step (eta = 0.3) on L = 1/2 (t - y)^2"
    )
    w1, w2, b = Value(-0.5, label="w1"), Value(0.75, label="w2"), Value(0.375, label="b")
    x1, x2, t, eta = 1.5, 2.0, -1.0, 0.3
    y = w1 * x1 + w2 * x2 + b
    loss = 0.5 * (t - y) ** 2
    opt = SGD([w1, w2, b], lr=eta)
    opt.zero_grad()
    loss.backward()
    y_engine, error_engine = y.data, -y.grad  # dL/dy = -(t - y)
    opt.step()  # w <- w - eta dL/dw = w + eta (t - y) x

    y_f = -0.5 * x1 + 0.75 * x2 + 0.375
    err_f = t - y_f
    return [
        Check("perceptron.y", sec, "y = w1 x1 + w2 x2 + b", (y_engine,), (y_f,)),
        Check("perceptron.error", sec, "t - y  (= -dL/dy)", (error_engine,), (err_f,)),
        Check(
            "perceptron.w",
            sec,
            "w_i(1) = w_i(0) + eta (t - y) x_i",
            (w1.data, w2.data),
            (-0.5 + eta * err_f * x1, 0.75 + eta * err_f * x2),
        ),
        Check("perceptron.b", sec, "b(1) = b(0) + eta (t - y)", (b.data,), (0.375 + eta * err_f,)),
    ]


# ----- 2. output units: the derivative of the loss with respect to s -----------------------


def output_rules() -> list[Check]:
    """dL/ds for sigmoid + BCE, softmax + CE, sigmoid + squared error, linear + squared error."""
    out: list[Check] = []
    sec = "2. Output unit: dL/ds (s = weighted sum before the activation)"

    for s0, r in ((0.4, 1.0), (1.5, 0.0)):
        s = Value(s0)
        binary_cross_entropy(s.sigmoid(), r).backward()
        rule = f"sigmoid + cross-entropy: dL/ds = y - r   (s = {s0:g}, r = {r:g})"
        out.append(Check(f"sigmoid_bce.{r:g}", sec, rule, (s.grad,), (_sigmoid(s0) - r,)))

    logits, k = (2.0, 1.0, 0.1), 0
    s_vals = [Value(x) for x in logits]
    cross_entropy([s_vals], [k]).backward()
    exps = [math.exp(x) for x in logits]
    y = [e / sum(exps) for e in exps]
    r_vec = [1.0 if i == k else 0.0 for i in range(len(logits))]
    out.append(
        Check(
            "softmax_ce",
            sec,
            "softmax + cross-entropy: dL/ds_i = y_i - r_i   (s = (2, 1, 0.1), r = (1, 0, 0))",
            tuple(v.grad for v in s_vals),
            tuple(yi - ri for yi, ri in zip(y, r_vec, strict=True)),
        )
    )

    s0, r = 0.4, 1.0
    s = Value(s0)
    yv = s.sigmoid()
    (0.5 * (r - yv) ** 2).backward()
    y0 = _sigmoid(s0)
    out.append(
        Check(
            "sigmoid_mse",
            sec,
            "sigmoid + squared error: dL/ds = (y - r) y (1 - y)   (L = 1/2 (r - y)^2)",
            (s.grad,),
            ((y0 - r) * y0 * (1 - y0),),
        )
    )
    s = Value(s0)
    mse(s.sigmoid(), r).backward()
    out.append(
        Check(
            "sigmoid_mse_torch",
            sec,
            "  the same with nn.losses.mse (no 1/2, like PyTorch): 2 (y - r) y (1 - y)",
            (s.grad,),
            (2 * (y0 - r) * y0 * (1 - y0),),
        )
    )
    s = Value(-4.0)
    yv = s.sigmoid()
    (0.5 * (1.0 - yv) ** 2).backward()
    y0 = _sigmoid(-4.0)
    out.append(
        Check(
            "saturated_mse",
            sec,
            "  saturated (s = -4, r = 1): squared error's dL/ds = (y - r) y (1 - y), tiny",
            (s.grad,),
            ((y0 - 1) * y0 * (1 - y0),),
        )
    )
    s = Value(-4.0)
    binary_cross_entropy(s.sigmoid(), 1.0).backward()
    out.append(
        Check(
            "saturated_bce",
            sec,
            "  ... while cross-entropy's dL/ds = y - r stays large: CE learns faster",
            (s.grad,),
            (y0 - 1,),
        )
    )
    return out


# ----- 3. a layer's weights: "error times input" --------------------------------------------


def layer_rules() -> list[Check]:
    """Linear output + squared error, and the hidden-unit delta of backpropagation."""
    out: list[Check] = []
    sec = "3. Weights of an MLP: dw = eta * delta * input (delta = -dL/ds)"
    eta = 0.1
    x = [1.0, -2.0]  # the input
    w_hidden = [[0.5, -0.3], [0.8, 0.2]]  # w_ij: hidden unit i, input j
    w_out = [[0.7, -1.2], [0.4, 0.9]]  # w_ki: output k, hidden unit i
    r = [1.0, 0.0]  # targets of the two linear outputs

    wh = [[Value(v, label=f"w{i + 1}{j + 1}") for j, v in enumerate(row)] for i, row in
          enumerate(w_hidden)]
    wo = [[Value(v, label=f"v{k + 1}{i + 1}") for i, v in enumerate(row)] for k, row in
          enumerate(w_out)]
    s_hidden = [wh[i][0] * x[0] + wh[i][1] * x[1] for i in range(2)]
    z = [s.sigmoid() for s in s_hidden]
    y = [wo[k][0] * z[0] + wo[k][1] * z[1] for k in range(2)]  # linear outputs
    loss = 0.5 * (r[0] - y[0]) ** 2 + 0.5 * (r[1] - y[1]) ** 2
    loss.backward()

    # the same numbers with plain floats, as the notes compute them by hand
    s_f = [sum(w_hidden[i][j] * x[j] for j in range(2)) for i in range(2)]
    z_f = [_sigmoid(v) for v in s_f]
    y_f = [sum(w_out[k][i] * z_f[i] for i in range(2)) for k in range(2)]
    delta_out = [r[k] - y_f[k] for k in range(2)]
    delta_hidden = [
        sum(delta_out[k] * w_out[k][i] for k in range(2)) * z_f[i] * (1 - z_f[i]) for i in range(2)
    ]
    out.append(
        Check(
            "linear_mse.delta",
            sec,
            "linear output + squared error: delta_k = r_k - y_k",
            tuple(-v.grad for v in y),
            tuple(delta_out),
        )
    )
    out.append(
        Check(
            "linear_mse.dw",
            sec,
            "  dw_ki = eta delta_k z_i   (eta = 0.1; k = 1, i = 1, 2)",
            tuple(-eta * v.grad for v in wo[0]),
            tuple(eta * delta_out[0] * zi for zi in z_f),
        )
    )
    out.append(
        Check(
            "hidden.delta",
            sec,
            "hidden unit: delta_i = (sum_k delta_k w_ki) z_i (1 - z_i)",
            tuple(-s.grad for s in s_hidden),
            tuple(delta_hidden),
        )
    )
    out.append(
        Check(
            "hidden.dw",
            sec,
            "  dw_ij = eta delta_i x_j   (i = 1, j = 1, 2)",
            tuple(-eta * v.grad for v in wh[0]),
            tuple(eta * delta_hidden[0] * xj for xj in x),
        )
    )
    return out


# ----- 4. entropy and KL: the coin ----------------------------------------------------------


def coin() -> list[Check]:
    """A coin with p(heads) = 0.9 modelled as q(heads) = 0.6: H(p), H(p, q), KL(p || q)."""
    sec = "4. The coin: p(heads) = 0.9 modelled as q(heads) = 0.6"
    p, q = [0.9, 0.1], [0.6, 0.4]
    out: list[Check] = []
    for unit, base, log in (("bits", 2.0, math.log2), ("nats", math.e, math.log)):
        h = -sum(pi * log(pi) for pi in p)
        hpq = -sum(pi * log(qi) for pi, qi in zip(p, q, strict=True))
        kl = sum(pi * log(pi / qi) for pi, qi in zip(p, q, strict=True))
        out += [
            Check(f"coin.H.{unit}", sec, f"H(p) = -sum p log p  [{unit}]",
                  (entropy(p, base=base).data,), (h,)),
            Check(f"coin.Hpq.{unit}", sec, f"H(p, q) = -sum p log q  [{unit}]",
                  (distribution_cross_entropy(p, q, base=base).data,), (hpq,)),
            Check(f"coin.KL.{unit}", sec, f"KL(p || q) = sum p log(p / q) = H(p, q) - H(p)"
                  f"  [{unit}]", (kl_divergence(p, q, base=base).data,), (kl,)),
        ]
    return out


def compute() -> list[Check]:
    """Every check of the demo, in the order they are printed."""
    return perceptron_exercise() + output_rules() + layer_rules() + coin()


# ----- printing -----------------------------------------------------------------------------


def _numbers(xs: Sequence[float]) -> str:
    text = ", ".join(f"{x:.6g}" for x in xs)
    return text if len(xs) == 1 else f"({text})"


def _marks(stream: TextIO, ascii_only: bool) -> tuple[str, str]:
    if not ascii_only:
        try:
            "✓✗".encode(getattr(stream, "encoding", None) or "ascii")
            return "✓", "✗ DIFFERENT"
        except (LookupError, UnicodeEncodeError):
            pass
    return "ok", "DIFFERENT"


def report(checks: Sequence[Check], stream: TextIO, ascii_only: bool = False) -> None:
    """Print the checks section by section: rule, engine number, formula number, mark."""
    good, bad = _marks(stream, ascii_only)
    width = max(len(_numbers(c.engine)) for c in checks) if checks else 0
    section = None
    for c in checks:
        if c.section != section:
            section = c.section
            stream.write(f"\n{section}\n")
        stream.write(f"  {c.rule}\n")
        stream.write(
            f"      engine {_numbers(c.engine):<{width}}   formula {_numbers(c.formula):<{width}}  "
            f"{good if c.agrees else bad}\n"
        )
    agreed = sum(c.agrees for c in checks)
    stream.write(f"\n{agreed} of {len(checks)} rules: the engine agrees with the formula.\n")


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="python -m demos.by_hand",
        description="The update rules the course derives by hand (perceptron delta rule, "
        "sigmoid/softmax output deltas, hidden-unit delta, entropy and KL of a coin), "
        "computed by the engine and checked against the formulas.",
    )


def main(argv: list[str] | None = None, stream: TextIO | None = None) -> int:
    """Print every check; exit status 0 when all of them agree, 1 otherwise."""
    parser = build_parser()
    parser.add_argument("--ascii", action="store_true", help="print 'ok' instead of a check mark")
    args = parser.parse_args(argv)
    out = stream if stream is not None else sys.stdout
    out.write("Hand-derived rules vs the engine (r = target, y = output, s = weighted sum,\n")
    out.write("delta = -dL/ds, squared error L = 1/2 (r - y)^2)\n")
    checks = compute()
    report(checks, out, ascii_only=args.ascii)
    return 0 if all(c.agrees for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
