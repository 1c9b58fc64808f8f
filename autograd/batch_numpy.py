"""The numpy replay of a tape: each node an array over the samples (optional: needs numpy).

The same tape as batch_python.py, the same rules: forward and local gradients from the table
(the common entries as numpy array operations, any other entry, yours too, element by
element with its own Python rules), the products added in `backward()`'s order. numpy's
exp, log and tanh may differ from Python's math module in the last bit, so the two backends
agree to about 1e-15, relative. A sample where a guard comes out the other way, or where a
number is not finite (an operation that the engine would refuse: log of 0, a division by 0,
an overflow), goes to the per-sample engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stepgrad.batch_tape import Tape
from stepgrad.ops import FLOATS, TABLE

__all__ = ["run"]


def _relu(x: Any) -> Any:
    return np.where(x > 0.0, x, 0.0)


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


# entry name -> (forward(x, y, c), local gradients(x, y, c, o))
_VECTOR = {
    "add": (lambda x, y, c: x + y, lambda x, y, c, o: (1.0, 1.0)),
    "add_c": (lambda x, y, c: x + c, lambda x, y, c, o: (1.0,)),
    "radd_c": (lambda x, y, c: c + x, lambda x, y, c, o: (1.0,)),
    "sub": (lambda x, y, c: x - y, lambda x, y, c, o: (1.0, -1.0)),
    "sub_c": (lambda x, y, c: x - c, lambda x, y, c, o: (1.0,)),
    "rsub_c": (lambda x, y, c: c - x, lambda x, y, c, o: (-1.0,)),
    "neg": (lambda x, y, c: -x, lambda x, y, c, o: (-1.0,)),
    "mul": (lambda x, y, c: x * y, lambda x, y, c, o: (y, x)),
    "mul_c": (lambda x, y, c: x * c, lambda x, y, c, o: (c,)),
    "rmul_c": (lambda x, y, c: c * x, lambda x, y, c, o: (c,)),
    "div": (lambda x, y, c: x / y, lambda x, y, c, o: (1.0 / y, -o / y)),
    "div_c": (lambda x, y, c: x / c, lambda x, y, c, o: (1.0 / c,)),
    "rdiv_c": (lambda x, y, c: c / x, lambda x, y, c, o: (-o / x,)),
    "exp": (lambda x, y, c: np.exp(x), lambda x, y, c, o: (o,)),
    "log": (lambda x, y, c: np.log(np.where(x > 0.0, x, np.nan)),
            lambda x, y, c, o: (1.0 / x,)),
    "tanh": (lambda x, y, c: np.tanh(x), lambda x, y, c, o: (1.0 - o * o,)),
    "sigmoid": (lambda x, y, c: _sigmoid(x), lambda x, y, c, o: (o * (1.0 - o),)),
    "relu": (lambda x, y, c: _relu(x), lambda x, y, c, o: ((x > 0.0) * 1.0,)),
}
_PLAIN = {"add", "add_c", "radd_c", "sub", "sub_c", "rsub_c", "neg"}  # local gradients +-1


def _each(n: int, fn: Any, *args: Any) -> Any:
    """fn on every sample (a rule with Python floats); nan where it raises."""
    cols = [np.broadcast_to(np.asarray(a, dtype=float), (n,)).tolist() for a in args]
    out = np.empty(n)
    for k in range(n):
        try:
            out[k] = float(fn(*(c[k] for c in cols)))
        except Exception:
            out[k] = np.nan
    return out


def _each_grads(n: int, op: Any, inputs: int, *args: Any) -> list[Any]:
    cols = [np.broadcast_to(np.asarray(a, dtype=float), (n,)).tolist() for a in args]
    out = [np.empty(n) for _ in range(inputs)]
    for k in range(n):
        try:
            g = op.grads(FLOATS, *(c[k] for c in cols))
            for j in range(inputs):
                out[j][k] = float(g[j])
        except Exception:
            for j in range(inputs):
                out[j][k] = np.nan
    return out


def _expr(e: tuple, vals: list[Any]) -> Any:
    kind = e[0]
    if kind == "n":
        return vals[e[1]]
    if kind == "const":
        return e[1]
    if kind == "neg":
        return -_expr(e[1], vals)
    if kind == "abs":
        return np.abs(_expr(e[1], vals))
    a, b = _expr(e[1], vals), _expr(e[2], vals)
    return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[kind](a, b)


_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "==": np.equal, "!=": np.not_equal}


def run(tape: Tape, cols: list[list[float]], n: int, want_grad: bool
        ) -> tuple[float, list[float], list[int], list[float]]:
    """Replay `tape` over n samples (see batch_python.run: the same results)."""
    with np.errstate(all="ignore"):
        return _run(tape, cols, n, want_grad)


def _run(tape: Tape, cols: list[list[float]], n: int, want_grad: bool
         ) -> tuple[float, list[float], list[int], list[float]]:
    arrays = [np.asarray(c, dtype=float) for c in cols]
    params = [p.data for p in tape.params]
    vals: list[Any] = [None] * len(tape.entries)
    consts: dict[int, Any] = {}
    bad = np.zeros(n, dtype=bool)

    def flag(a: Any) -> None:
        nonlocal bad
        bad = bad | ~np.isfinite(a)

    generic: set[int] = set()
    for i, entry in enumerate(tape.entries):
        kind = entry[0]
        if kind == "in":
            vals[i] = arrays[entry[1]]
        elif kind == "leaf":
            vals[i] = params[entry[1]]
        elif kind == "expr":
            vals[i] = _expr(entry[1], vals)
        else:
            _, op, a, b, c = entry
            x = vals[a]
            y = vals[b] if b is not None else None
            cv = None
            if c is not None:
                cv = c[1] if c[0] == "lit" else _expr(c[1], vals)
                if c[0] == "expr":
                    consts[i] = cv
                    flag(cv)
            rule = _VECTOR.get(op.name) if TABLE.get(op.name) is op else None
            if rule is not None:
                vals[i] = rule[0](x, y, cv)
            else:
                generic.add(i)
                args = [x] + ([y] if b is not None else []) + ([cv] if c is not None else [])
                vals[i] = _each(n, op.forward, *args)
                flag(vals[i])
    for i in tape.checks:
        flag(vals[i])
    for cmp, a, b, result in tape.guards:
        outcome = _CMP[cmp](_expr(a, vals), _expr(b, vals))
        bad = bad | (outcome != result)

    grads: list[Any] = []
    if want_grad:
        adj: dict[int, Any] = {tape.root: 1.0}
        for i in reversed(tape.back):
            entry = tape.entries[i]
            if entry[0] != "op" or i not in adj:
                continue
            up = adj[i]
            _, op, a, b, c = entry
            x = vals[a]
            y = vals[b] if b is not None else None
            cv = None if c is None else (c[1] if c[0] == "lit" else consts[i])
            if i in generic:
                args = [x] + ([y] if b is not None else []) + ([cv] if c is not None else [])
                locals_ = _each_grads(n, op, 1 if b is None else 2, *args, vals[i])
            else:
                locals_ = _VECTOR[op.name][1](x, y, cv, vals[i])
            plain = i not in generic and op.name in _PLAIN
            for inp, g in zip((a, b), locals_, strict=False):
                if inp is None:
                    continue
                if plain:  # a local gradient of +1 or -1: the product is exact either way
                    contribution = up if g == 1.0 else -up
                else:
                    contribution = g * up
                adj[inp] = adj[inp] + contribution if inp in adj else contribution
        for i in tape.back:
            kind = tape.entries[i][0]
            if kind in ("in", "expr", "leaf") and i in adj:
                flag(adj[i])
        leaf_node = {e[1]: i for i, e in enumerate(tape.entries) if e[0] == "leaf"}
        ok = ~bad
        some_bad = bool(bad.any())
        count = int(ok.sum())
        for j in range(len(tape.params)):
            a_j = adj.get(leaf_node.get(j, -1))
            if a_j is None:
                grads.append(0.0)
            elif np.ndim(a_j) == 0:  # the same in every sample
                grads.append(float(a_j) * count)
            else:
                grads.append(float((a_j[ok] if some_bad else a_j).sum()))
    ok = ~bad
    root = np.broadcast_to(vals[tape.root], (n,))
    losses = root[ok]
    fb = np.flatnonzero(bad).tolist()
    return float(losses.sum()), grads, fb, losses.tolist()
