"""The reference that batched results are checked against: the per-sample loop."""

from __future__ import annotations


def per_sample(fn, params, *columns):
    """Each sample's own graph on its plain numbers, its backward(), averaged: (loss, grads)."""
    n = len(columns[0])
    total, grads = 0.0, [0.0] * len(params)
    for i in range(n):
        out = fn(*(c[i] for c in columns))
        for p in params:
            p.zero_grad()
        out.backward()
        total += out.data
        grads = [g + p.grad for g, p in zip(grads, params, strict=True)]
    for p in params:
        p.zero_grad()
    return total / n, [g / n for g in grads]


def close(a: float, b: float, scale: float = 1.0) -> bool:
    """a and b agree to 1e-12, relative to the larger of them and `scale`."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale)


def backward_matches(got, want: float, want_grads: list[float], params,
                     floor: float = 1e-300) -> None:
    """got.backward() gives the loop's mean `want` and gradients `want_grads`, each to 1e-12
    of the larger of the largest gradient and `floor`; then the gradients are reset.

    floor=1.0 for random networks on numpy: np.tanh and np.exp may differ from Python's math
    in the last bit, which 1 - tanh**2 turns into ~1e-15 of 1, a larger part of a small
    gradient."""
    got.backward()
    assert close(got.data, want), (got.data, want)
    scale = max([abs(g) for g in want_grads] + [floor])
    for p, g in zip(params, want_grads, strict=True):
        assert close(p.grad, g, scale), (p.grad, g)
        p.zero_grad()
