"""The pure-Python replay of a tape: straight-line code, generated once, looping over samples.

`compile_tape(tape, want_grad)` writes one Python function for a tape (one line per node,
forward then backward, every local gradient the table's own rule, every product added in the
order `backward()` adds it) and compiles it; `run` calls it on the batch's columns. A sample
replay cannot vouch for (a guard came out the other way, an operation raised, a number that
must be finite is not) is listed in the fallbacks and left to the per-sample engine, which
computes it exactly or raises its own clear error.
"""

from __future__ import annotations

import math
from typing import Any

from stepgrad.batch_tape import Tape
from stepgrad.ops import FLOATS, SIGMOID

__all__ = ["compile_tape", "constants", "run"]

# forward rules written inline: (result, local gradient(s)), with x, y the inputs, c the
# constant and o the result; each is bit for bit its entry in autograd/ops.py
_INLINE = {
    "add": ("{x} + {y}", ("1", "1")),
    "add_c": ("{x} + {c}", ("1",)),
    "radd_c": ("{c} + {x}", ("1",)),
    "sub": ("{x} - {y}", ("1", "-1")),
    "sub_c": ("{x} - {c}", ("1",)),
    "rsub_c": ("{c} - {x}", ("-1",)),
    "neg": ("-{x}", ("-1",)),
    "mul": ("{x} * {y}", ("{y}", "{x}")),
    "mul_c": ("{x} * {c}", ("{c}",)),
    "rmul_c": ("{c} * {x}", ("{c}",)),
    "div": ("{x} / {y}", ("(1.0 / {y})", "(-{o} / {y})")),
    "div_c": ("{x} / {c}", ("(1.0 / {c})",)),
    "rdiv_c": ("{c} / {x}", ("(-{o} / {x})",)),
    "exp": ("_exp({x})", ("{o}",)),
    "log": ("_log({x})", ("(1.0 / {x})",)),  # math.log raises for x <= 0, as the entry does
    "tanh": ("_tanh({x})", ("(1.0 - {o} * {o})",)),
    "sigmoid": ("_sigmoid({x})", ("({o} * (1.0 - {o}))",)),
    "relu": ("({x} if {x} > 0.0 else 0.0)", ("(1.0 if {x} > 0.0 else 0.0)",)),
}


def _builtin(op: Any) -> bool:
    from stepgrad.ops import TABLE

    return TABLE.get(op.name) is op and op.name in _INLINE


def constants(tape: Tape) -> list[float]:
    """The literal constants of the tape, in the order the compiled code reads them."""
    out: list[float] = []

    def walk(e: tuple) -> None:
        if e[0] == "const":
            out.append(e[1])
        elif e[0] != "n":
            for sub in e[1:]:
                walk(sub)

    for entry in tape.entries:
        if entry[0] == "expr":
            walk(entry[1])
        elif entry[0] == "op" and entry[4] is not None:
            kind, c = entry[4]
            if kind == "lit":
                out.append(c)
            else:
                walk(c)
    for _, a, b, _ in tape.guards:
        walk(a)
        walk(b)
    return out


def compile_tape(tape: Tape, want_grad: bool) -> Any:
    """A function run(cols, n, P, K, F, G, losses) -> (total, param grads, fallbacks)."""
    names: dict[int, str] = {}
    k_count = [0]
    body: list[str] = []
    checks: list[str] = []

    def const() -> str:
        k_count[0] += 1
        return f"k{k_count[0] - 1}"

    def expr(e: tuple) -> str:
        if e[0] == "n":
            return names[e[1]]
        if e[0] == "const":
            return const()
        if e[0] == "neg":
            return f"(-{expr(e[1])})"
        if e[0] == "abs":
            return f"abs({expr(e[1])})"
        return f"({expr(e[1])} {e[0]} {expr(e[2])})"

    locals_of: dict[int, tuple[str, ...]] = {}  # node -> its local gradient expressions
    generic: list[int] = []
    for i, entry in enumerate(tape.entries):
        kind = entry[0]
        if kind == "in":
            names[i] = f"x{entry[1]}"
            continue
        if kind == "leaf":
            names[i] = f"p{entry[1]}"
            continue
        names[i] = f"v{i}"
        if kind == "expr":
            body.append(f"v{i} = {expr(entry[1])}")
            continue
        _, op, a, b, c = entry
        x = names[a]
        y = names[b] if b is not None else "?"
        cc = "?"
        if c is not None:
            if c[0] == "lit":
                cc = const()
            else:
                cc = f"e{i}"
                body.append(f"e{i} = {expr(c[1])}")
                checks.append(cc)
        if _builtin(op):
            fwd, grads = _INLINE[op.name]
            body.append(f"v{i} = " + fwd.format(x=x, y=y, c=cc))
            locals_of[i] = tuple(g.format(x=x, y=y, c=cc, o=f"v{i}") for g in grads)
        else:
            generic.append(i)
            args = ", ".join(n for n in (x, y if b is not None else None,
                                         cc if c is not None else None) if n)
            body.append(f"v{i} = _float(f{i}({args}))")
            locals_of[i] = tuple(f"t{i}[{j}]" for j in range(1 if b is None else 2))
            locals_of[i] = (f"{args}",) + locals_of[i]  # remembered for the backward line
    guard_tests = []
    for cmp, a, b, result in tape.guards:
        test = f"({expr(a)} {cmp} {expr(b)})"
        guard_tests.append(f"not {test}" if result else test)
    checks.extend(names[i] for i in tape.checks)

    back: list[str] = []
    grads_out: list[str] = []
    if want_grad:
        adj: dict[int, str] = {tape.root: "1.0"}
        seen_leaf: set[int] = set()
        for i in reversed(tape.back):
            entry = tape.entries[i]
            if entry[0] != "op":
                if entry[0] == "leaf":
                    seen_leaf.add(i)
                elif i in adj:
                    checks.append(adj[i])  # an input's gradient: the engine checks it too
                continue
            up = adj.get(i)
            if up is None:  # nothing flows into this node (cannot happen in one graph)
                continue
            _, op, a, b, c = entry
            if i in generic:
                args = locals_of[i][0]
                back.append(f"t{i} = g{i}(FL, {args}, v{i})")
                grads = locals_of[i][1:]
            else:
                grads = locals_of[i]
            for inp, g in zip((a, b), grads, strict=False):
                if inp is None:
                    continue
                if g == "1":
                    contribution = up
                elif g == "-1":
                    contribution = f"-{up}"
                else:
                    contribution = f"{g} * {up}"
                if inp in adj:
                    back.append(f"a{inp} += {contribution}")
                else:
                    back.append(f"a{inp} = {contribution}")
                    adj[inp] = f"a{inp}"
        if adj.get(tape.root) == "1.0" and tape.entries[tape.root][0] != "op":
            back.append(f"a{tape.root} = 1.0")
            adj[tape.root] = f"a{tape.root}"
        for j, _ in enumerate(tape.params):
            # the parameter's node: its gradient in this sample, or none if it is unused
            node = next((i for i, e in enumerate(tape.entries) if e == ("leaf", j)), None)
            grads_out.append(adj.get(node, "0.0") if node in seen_leaf else "0.0")

    np_ = len(tape.params)
    lines = ["def replay(cols, n, P, K, F, G, losses):"]
    if np_:
        lines.append(f"    {', '.join(f'p{j}' for j in range(np_))}, = P")
    if k_count[0]:
        lines.append(f"    {', '.join(f'k{j}' for j in range(k_count[0]))}, = K")
    for i in generic:
        lines.append(f"    f{i} = F[{i}]; g{i} = G[{i}]")
    if want_grad and np_:
        lines.append(f"    {' = '.join(f'g_{j}' for j in range(np_))} = 0.0")
    lines.append("    total = 0.0")
    lines.append("    fb = []")
    lines.append("    keep = losses.append")
    loop_vars = ", ".join(["i", *(f"x{k}" for k in range(tape.inputs))])
    lines.append(f"    for {loop_vars} in zip(range(n), *cols):")
    lines.append("        try:")
    lines.extend(f"            {line}" for line in body)
    if guard_tests:
        lines.append(f"            if {' or '.join(guard_tests)}:")
        lines.append("                fb.append(i); continue")
    lines.extend(f"            {line}" for line in back)
    lines.append(f"            chk = {' + '.join(checks) if checks else '0.0'}")
    lines.append("        except Exception:")
    lines.append("            fb.append(i); continue")
    lines.append("        if chk - chk != 0.0:")
    lines.append("            fb.append(i); continue")
    root = names[tape.root]
    lines.append(f"        total += {root}")
    lines.append(f"        keep({root})")
    for j, g in enumerate(grads_out):
        if g != "0.0":
            lines.append(f"        g_{j} += {g}")
    grads_list = ", ".join(f"g_{j}" for j in range(np_)) if want_grad else ""
    lines.append(f"    return total, [{grads_list}], fb")
    source = "\n".join(lines) + "\n"
    scope = {"_exp": math.exp, "_log": math.log, "_tanh": math.tanh, "_float": float,
             "_sigmoid": SIGMOID.forward, "FL": FLOATS}
    exec(compile(source, "<stepgrad batch replay>", "exec"), scope)  # noqa: S102
    fn = scope["replay"]
    fn.source = source
    return fn


def run(tape: Tape, cols: list[list[float]], n: int, want_grad: bool
        ) -> tuple[float, list[float], list[int], list[float]]:
    """Replay `tape` over n samples: (sum of results, sum of each parameter's gradient,
    the samples left to the per-sample engine, the results of the others in order)."""
    key = "grad" if want_grad else "data"
    fn = tape.compiled.get(key)
    if fn is None:
        fn = tape.compiled[key] = compile_tape(tape, want_grad)
    F = {i: e[1].forward for i, e in enumerate(tape.entries)
         if e[0] == "op" and not _builtin(e[1])}
    G = {i: e[1].grads for i in F for e in (tape.entries[i],)}
    P = [p.data for p in tape.params]
    losses: list[float] = []
    total, grads, fb = fn(cols, n, P, constants(tape), F, G, losses)
    return total, grads, fb, losses
