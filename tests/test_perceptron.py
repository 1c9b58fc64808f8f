"""The classic perceptron: learns AND and OR, gives up on XOR with the best 75% kept."""

import pytest

from stepgrad.nn import Perceptron, PerceptronResult
from stepgrad.nn.data import and_gate, or_gate, xor


@pytest.mark.parametrize("gate", [and_gate, or_gate])
@pytest.mark.parametrize("negative", [-1, 0])
@pytest.mark.parametrize("seed", range(10))
def test_learns_and_and_or(gate, negative, seed):
    inputs, targets = gate(negative)
    p = Perceptron(2, seed=seed)
    result = p.fit(inputs, targets)
    assert isinstance(result, PerceptronResult)
    assert result.converged and result.accuracy == result.best_accuracy == 1.0
    assert result.mistakes[-1] == 0 and len(result.mistakes) == result.epochs < 100
    assert [p.predict(x) for x in inputs] == targets
    assert p.accuracy(inputs, targets) == 1.0
    assert "converged" in result.message and "100%" in result.message
    assert ("0/1 targets read as -1/+1" in result.message) == (negative == 0)


@pytest.mark.parametrize("seed", range(20))
def test_cannot_learn_xor_but_keeps_the_best_weights(seed):
    inputs, targets = xor()
    p = Perceptron(2, seed=seed)
    result = p.fit(inputs, targets, max_epochs=100)
    assert not result.converged
    assert result.epochs == 100  # bounded: it stopped at max_epochs
    assert result.best_accuracy == 0.75
    assert all(m > 0 for m in result.mistakes)
    # the pocket is real: the weights the perceptron now holds get exactly 3 of 4 right
    assert p.accuracy(inputs, targets) == 0.75
    assert sum(p.predict(x) == t for x, t in zip(inputs, targets, strict=True)) == 3
    assert "did not converge in 100 epochs" in result.message
    assert "75% (3 of 4)" in result.message


def test_no_single_line_gets_all_of_xor():
    """A brute-force check of the claim behind the 75%: over a grid of lines, none is 100%."""
    inputs, targets = xor()
    grid = [i / 4 for i in range(-8, 9)]
    best = 0.0
    for w1 in grid:
        for w2 in grid:
            for b in grid:
                p = Perceptron(2)
                p.w, p.b = [w1, w2], b
                best = max(best, p.accuracy(inputs, targets))
    assert best == 0.75


def test_the_rule_is_w_plus_eta_t_x():
    p = Perceptron(2, eta=0.5, shuffle=False)
    result = p.fit([[2.0, 1.0]], [1], max_epochs=1)
    # s = 0 -> predicted -1, target +1: one update w = 0 + 0.5 * 1 * x, b = 0 + 0.5 * 1
    assert p.w == [1.0, 0.5] and p.b == 0.5
    assert result.mistakes == [1] and not result.converged
    p.fit([[2.0, 1.0]], [1], max_epochs=5)
    assert p.w == [1.0, 0.5]  # nothing to correct any more


def test_xor_in_the_given_order_cycles_at_50_percent():
    """Why the samples are shuffled: in the fixed order the rule never passes 2 of 4."""
    result = Perceptron(2, shuffle=False).fit(*xor(), max_epochs=50)
    assert not result.converged and result.best_accuracy == 0.5


def test_same_seed_same_run():
    a = Perceptron(2, seed=3)
    b = Perceptron(2, seed=3)
    assert a.fit(*xor()).mistakes == b.fit(*xor()).mistakes
    assert (a.w, a.b) == (b.w, b.b)


def test_bad_input():
    p = Perceptron(2)
    with pytest.raises(ValueError, match=r"^Perceptron.fit: targets must be -1 / \+1 \(or 0 / "
                                         r"1\), got \[0, 2\]$"):
        p.fit([[0, 0], [1, 1]], [0, 2])
    with pytest.raises(ValueError, match="^Perceptron.fit: 2 samples but 1 target; give one "):
        p.fit([[0, 0], [1, 1]], [1])
    with pytest.raises(ValueError, match="^Perceptron.fit expects 2 inputs, sample 2 has 3$"):
        p.fit([[0, 0], [1, 1, 1]], [1, -1])
    with pytest.raises(TypeError, match="^Perceptron.fit: input 2 of sample 1 must be a number, "
                                        "got str 'a'$"):
        p.fit([[0, "a"]], [1])
    with pytest.raises(ValueError, match="^Perceptron.fit: max_epochs must be a whole number"):
        p.fit([[0, 0]], [1], max_epochs=0)
    with pytest.raises(ValueError, match="eta must be > 0"):
        Perceptron(2, eta=0)
    with pytest.raises(ValueError, match="^Perceptron.fit: got no samples"):
        p.fit([], [])
