"""Fixed example graphs shared by the tests and by docs/make_images.py."""

from __future__ import annotations

from stepgrad import Value


def neuron() -> Value:
    """The README's example: o = tanh(x1*w1 + x2*w2 + b), every value labelled but one (v1)."""
    x1 = Value(2.0, label="x1"); x2 = Value(0.0, label="x2")  # noqa: E702
    w1 = Value(-3.0, label="w1"); w2 = Value(1.0, label="w2")  # noqa: E702
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1; x1w1.label = "x1*w1"  # noqa: E702
    x2w2 = x2 * w2; x2w2.label = "x2*w2"  # noqa: E702
    n = x1w1 + x2w2 + b; n.label = "n"  # noqa: E702
    o = n.tanh(); o.label = "o"  # noqa: E702
    return o


def micrograd_readme_graph() -> Value:
    """The expression of micrograd's README: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773."""
    a, b = Value(-4.0, label="a"), Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def xor_loss() -> Value:
    """Mean squared error of a 2-4-1 network (tanh, then sigmoid) over the 4 XOR samples:
    154 values, 228 backward steps (the README's walkthrough screenshot)."""
    from stepgrad.nn import MLP

    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1)
    samples = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]
    loss = sum((model([Value(a), Value(b)]) - y) ** 2 for (a, b), y in samples) / 4
    loss.label = "loss"
    return loss
