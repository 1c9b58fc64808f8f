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

import threading
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
# the entries done in place by one numpy function (the others through _VECTOR)
_UFUNC = {"add": np.add, "add_c": np.add, "radd_c": np.add, "sub": np.subtract,
          "sub_c": np.subtract, "rsub_c": np.subtract, "neg": np.negative,
          "mul": np.multiply, "mul_c": np.multiply, "rmul_c": np.multiply, "div": np.divide,
          "div_c": np.divide, "rdiv_c": np.divide, "exp": np.exp, "tanh": np.tanh}
_UNARY = {"exp", "tanh"}
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


CELLS = 1_000_000  # node values per pass (8 MB): a large batch runs in chunks of samples
_kept: list[Any] = []  # the one plan that keeps its arrays for the next call (memory bound)


def run(tape: Tape, cols: list[list[float]], n: int, want_grad: bool
        ) -> tuple[float, list[float], list[int], list[float]]:
    """Replay `tape` over n samples (see batch_python.run: the same results)."""
    key = "numpy-grad" if want_grad else "numpy-data"
    plan = tape.compiled.get(key)
    if plan is None:
        plan = tape.compiled[key] = _Plan(tape, want_grad)
    arrays = np.asarray(cols, dtype=float).reshape(len(cols), n)
    params = np.array([p.data for p in tape.params], dtype=float)
    total = 0.0
    grads = np.zeros(len(tape.params))
    fb: list[int] = []
    losses: list[float] = []
    with np.errstate(all="ignore"):
        chunk = max(64, CELLS // max(plan.size, 1))
        for start in range(0, n, chunk):
            part = arrays[:, start:start + chunk]
            t, g, bad, kept = plan.run(part, params)
            total += t
            grads += g
            fb.extend((np.flatnonzero(bad) + start).tolist())
            losses.extend(kept.tolist())
    return total, grads.tolist() if want_grad else [], fb, losses


class _Rows:
    """The tape's node values as rows of one array (what _expr reads as vals[i])."""

    __slots__ = ("V", "row")

    def __init__(self, V: Any, row: list[int]) -> None:
        self.V, self.row = V, row

    def __getitem__(self, i: int) -> Any:
        return self.V[self.row[i]]


def _expr_refs(e: tuple, out: list[int]) -> None:
    if e[0] == "n":
        out.append(e[1])
    elif e[0] != "const":
        for sub in e[1:]:
            _expr_refs(sub, out)


def _slot(rows: Any) -> tuple:
    """Where one input of a group of operations sends its gradients: (rows, None, None,
    None) when every row is different, else a sort order, the start of each run of equal
    rows, and the row of each run (to add each run up, then add it in once)."""
    if len(set(rows.tolist())) == len(rows):
        return rows, None, None, None
    order = np.argsort(rows, kind="stable")
    ranked = rows[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    return rows, order, starts, ranked[starts]


class _Plan:
    """A tape laid out for arrays: every node a row of one (nodes x samples) array, and the
    operations of one depth with the same table entry done together, as one array operation.

    Forward goes depth by depth; backward goes back depth by depth, so a node's gradient is
    complete before it is passed on. Entries without a vector rule (yours, or those with a
    constant computed per sample) run one at a time, with their own Python rules.
    """

    def __init__(self, tape: Tape, want_grad: bool) -> None:
        self.tape = tape
        self.want_grad = want_grad
        self._lock = threading.Lock()
        self._buffers: dict[int, tuple[Any, Any]] = {}
        entries = tape.entries
        depth = [0] * len(entries)
        steps: dict[tuple, list[int]] = {}  # (depth, kind...) -> nodes, in tape order
        for i, entry in enumerate(entries):
            kind = entry[0]
            if kind in ("in", "leaf"):
                continue
            deps: list[int] = []
            if kind == "expr":
                _expr_refs(entry[1], deps)
                key: tuple = ("single", i)
            else:
                _, op, a, b, c = entry
                deps.append(a)
                if b is not None:
                    deps.append(b)
                if c is not None and c[0] == "expr":
                    _expr_refs(c[1], deps)
                vector = TABLE.get(op.name) is op and op.name in _VECTOR
                if vector and (c is None or c[0] == "lit"):
                    key = ("group", op.name, b is not None, c is not None)
                else:
                    key = ("single", i)
            depth[i] = 1 + max((depth[d] for d in deps), default=0)
            steps.setdefault((depth[i], *key), []).append(i)
        # rows: inputs, then leaves, then every step's nodes side by side
        row = [0] * len(entries)
        order = [i for i, e in enumerate(entries) if e[0] == "in"]
        order += [i for i, e in enumerate(entries) if e[0] == "leaf"]
        self.in_cols = np.array([entries[i][1] for i in order if entries[i][0] == "in"],
                                dtype=np.intp)
        n_in = len(self.in_cols)
        self.in_rows = np.arange(n_in, dtype=np.intp)
        self.leaf_slice = (n_in, len(order))
        self.leaf_params = np.array([entries[i][1] for i in order[n_in:]], dtype=np.intp)
        self.plan: list[tuple] = []
        for key in sorted(steps, key=lambda k: (k[0], k[1] == "single", str(k[2:]))):
            nodes = steps[key]
            first = len(order)
            order.extend(nodes)
            self.plan.append((key[1], nodes, first, len(order)))
        for r, i in enumerate(order):
            row[i] = r
        self.row = row
        self.size = len(order)
        self.steps: list[tuple] = []
        for kind, nodes, s, e in self.plan:
            if kind == "single":
                self.steps.append(("single", nodes[0], s))
                continue
            _, op, _, b, c = entries[nodes[0]]
            ra = np.array([row[entries[i][2]] for i in nodes], dtype=np.intp)
            rb = np.array([row[entries[i][3]] for i in nodes], dtype=np.intp) \
                if b is not None else None
            cv = np.array([entries[i][4][1] for i in nodes], dtype=float)[:, None] \
                if c is not None else None
            self.steps.append(("group", op.name, s, e, ra, rb, cv))
        self.widest = max([e - s for kind, _, s, e in self.plan if kind == "group"],
                          default=1)
        self.checks = np.array(sorted({row[i] for i in tape.checks}), dtype=np.intp)
        self.root = row[tape.root]
        in_graph = set(tape.back)
        position = {i: r for r, i in enumerate(order)}
        self.back: list[tuple] = []
        for step in reversed(self.steps):
            if step[0] == "single":
                if step[1] in in_graph and entries[step[1]][0] == "op":
                    self.back.append(step)
                continue
            _, name, s, e, ra, rb, cv = step
            nodes = [i for i in order[s:e] if i in in_graph]
            if not nodes:
                continue
            if len(nodes) < e - s:  # some nodes of this group only feed guards
                keep = np.array([position[i] - s for i in nodes], dtype=np.intp)
                out = keep + s
                ra, rb = ra[keep], (rb[keep] if rb is not None else None)
                cv = cv[keep] if cv is not None else None
            else:
                out = slice(s, e)
            slots = [_slot(ra)]
            if rb is not None:
                slots.append(_slot(rb))
            self.back.append(("group", name, out, ra, rb, cv, slots))
        # the gradients the engine checks: inputs, per-sample constants, parameters
        self.grad_checks = np.array(sorted(row[i] for i in in_graph
                                           if entries[i][0] in ("in", "expr", "leaf")),
                                    dtype=np.intp)

    def _single_forward(self, V: Any, i: int, r: int, n: int, consts: dict, bad: Any) -> Any:
        entry = self.tape.entries[i]
        vals = _Rows(V, self.row)
        if entry[0] == "expr":
            V[r] = _expr(entry[1], vals)
            return bad
        _, op, a, b, c = entry
        x = vals[a]
        y = vals[b] if b is not None else None
        cv = None
        if c is not None:
            cv = c[1] if c[0] == "lit" else _expr(c[1], vals)
            if c[0] == "expr":
                consts[i] = cv
                bad = bad | ~np.isfinite(cv)
        rule = _VECTOR.get(op.name) if TABLE.get(op.name) is op else None
        if rule is not None:
            V[r] = rule[0](x, y, cv)
        else:
            args = [x] + ([y] if b is not None else []) + ([cv] if c is not None else [])
            V[r] = _each(n, op.forward, *args)
            bad = bad | ~np.isfinite(V[r])
        return bad

    def _single_backward(self, V: Any, A: Any, i: int, r: int, n: int, consts: dict) -> None:
        _, op, a, b, c = self.tape.entries[i]
        row = self.row
        x = V[row[a]]
        y = V[row[b]] if b is not None else None
        cv = None if c is None else (c[1] if c[0] == "lit" else consts[i])
        up = A[r]
        if TABLE.get(op.name) is op and op.name in _VECTOR:
            locals_ = _VECTOR[op.name][1](x, y, cv, V[r])
        else:
            args = [x] + ([y] if b is not None else []) + ([cv] if c is not None else [])
            locals_ = _each_grads(n, op, 1 if b is None else 2, *args, V[r])
        for inp, g in zip((a, b), locals_, strict=False):
            if inp is not None:
                A[row[inp]] += g * up

    def run(self, cols: Any, params: Any) -> tuple[float, Any, Any, Any]:
        """One chunk of samples: (sum of results, gradient sums, bad samples, results)."""
        if not self._lock.acquire(blocking=False):  # another thread replays this tape
            return self._run(cols, params, None)
        try:
            return self._run(cols, params, self._buffers)
        finally:
            self._lock.release()

    def _arrays(self, n: int, buffers: dict | None) -> tuple[Any, Any, list[Any]]:
        """The node values, their gradients and scratch space for n samples. The arrays of
        the latest plan are kept for its next call: a fresh large array costs more (the system
        hands out its memory page by page) than the whole backward pass."""
        hit = buffers.get(n) if buffers is not None else None
        if hit is None:
            scratch = [np.empty((self.widest, n)) for _ in range(6)]
            hit = (np.empty((self.size, n)), np.empty((self.size, n)), scratch)
            if buffers is not None:
                for other in _kept:  # only the latest plan keeps its arrays
                    other._buffers.clear()
                _kept[:] = [self]
                if len(buffers) >= 2:  # a large batch's chunks have at most two sizes
                    buffers.clear()
                buffers[n] = hit
        if self.want_grad:
            hit[1].fill(0.0)
        return hit

    def _run(self, cols: Any, params: Any, buffers: dict | None
             ) -> tuple[float, Any, Any, Any]:
        n = cols.shape[1]
        V, A, S = self._arrays(n, buffers)
        V[self.in_rows] = cols[self.in_cols]
        s, e = self.leaf_slice
        V[s:e] = params[self.leaf_params][:, None]
        bad = np.zeros(n, dtype=bool)
        consts: dict[int, Any] = {}
        take = np.take  # mode="clip" (the rows are always valid) writes straight into out
        for step in self.steps:
            if step[0] == "single":
                bad = self._single_forward(V, step[1], step[2], n, consts, bad)
                continue
            _, name, s, e, ra, rb, cv = step
            k = e - s
            x = take(V, ra, axis=0, mode="clip", out=S[0][:k])
            y = take(V, rb, axis=0, mode="clip", out=S[1][:k]) if rb is not None else None
            ufunc = _UFUNC.get(name)
            if ufunc is None:
                V[s:e] = _VECTOR[name][0](x, y, cv)
            elif name == "neg" or name in _UNARY:
                ufunc(x, out=V[s:e])
            elif name.startswith("r") and name.endswith("_c"):  # the constant comes first
                ufunc(cv, x, out=V[s:e])
            else:
                ufunc(x, y if rb is not None else cv, out=V[s:e])
        if len(self.checks):
            bad |= ~np.isfinite(V[self.checks]).all(axis=0)
        vals = _Rows(V, self.row)
        for cmp, a, b, result in self.tape.guards:
            bad |= _CMP[cmp](_expr(a, vals), _expr(b, vals)) != result
        grads = np.zeros(len(self.tape.params))
        if self.want_grad:
            A[self.root] = 1.0
            for step in self.back:
                if step[0] == "single":
                    self._single_backward(V, A, step[1], step[2], n, consts)
                    continue
                _, name, out, ra, rb, cv, slots = step
                k = len(ra)
                up = A[out] if type(out) is slice else \
                    take(A, out, axis=0, mode="clip", out=S[2][:k])
                if name in _PLAIN:
                    locals_: Any = _VECTOR[name][1](None, None, None, None)
                else:
                    x = take(V, ra, axis=0, mode="clip", out=S[0][:k])
                    y = take(V, rb, axis=0, mode="clip", out=S[1][:k]) if rb is not None else None
                    if name == "mul":
                        locals_ = (y, x)
                    elif name == "relu":
                        locals_ = (np.greater(x, 0.0),)  # 1 where x > 0, else 0
                    else:
                        o = V[out] if type(out) is slice else V[out + 0]
                        locals_ = _VECTOR[name][1](x, y, cv, o)
                for (rows, order, starts, targets), g in zip(slots, locals_, strict=False):
                    if type(g) is float and g == 1.0:
                        contribution = up
                    elif type(g) is float and g == -1.0:
                        contribution = np.negative(up, out=S[3][:k])
                    else:
                        contribution = np.multiply(g, up, out=S[3][:k])
                    if order is None:
                        here = take(A, rows, axis=0, mode="clip", out=S[4][:k])
                        here += contribution
                        A[rows] = here
                    else:  # a node feeds several of these: add its products up first
                        m = len(targets)
                        runs = np.add.reduceat(take(contribution, order, axis=0, mode="clip",
                                                    out=S[4][:k]), starts, axis=0,
                                               out=S[5][:m])
                        here = take(A, targets, axis=0, mode="clip", out=S[4][:m])
                        here += runs
                        A[targets] = here
            if len(self.grad_checks):
                bad |= ~np.isfinite(A[self.grad_checks]).all(axis=0)
            s, e = self.leaf_slice
            G = A[s:e]
            G = G[:, ~bad] if bad.any() else G
            np.add.at(grads, self.leaf_params, G.sum(axis=1))
        ok = ~bad
        losses = V[self.root][ok]
        return float(losses.sum()), grads, bad, losses
