"""cross_entropy on one flat row of logits: what its target may be, as in a batch of one row.

One flat list of logits is one sample. A list of whole numbers is one class index per sample,
in both shapes, so next to one flat row it must hold one index: `[0, 1]` is what a learner
passes with a one-output model, `cross_entropy([model(x) for x in X], y)`, which would
otherwise be read, silently, as the classes of one sample with y as its probabilities. A row
of probabilities may hold ints where it is one row of the targets (`[[0, 0, 1]]`, in both
shapes); the flat row's own target row is written with floats, as in PyTorch.
"""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import MLP, binary_cross_entropy_with_logits, cross_entropy

HINT = "binary_cross_entropy_with_logits"


def _torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("torch", reason="torch is not installed")


def ours(rows, target):
    """(loss, gradients) of our cross_entropy; rows: a flat list or a list of lists."""
    flat = not isinstance(rows[0], list)
    vs = [Value(x) for x in rows] if flat else [[Value(x) for x in r] for r in rows]
    loss = cross_entropy(vs, target)
    loss.backward()
    grads = [v.grad for v in vs] if flat else [v.grad for r in vs for v in r]
    return loss.data, grads


def theirs(torch, rows, target):
    x = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    if isinstance(target, int) or (isinstance(target, list) and isinstance(target[0], int)):
        t = torch.tensor(target)
    else:
        t = torch.tensor(target, dtype=torch.float64)
    loss = torch.nn.functional.cross_entropy(x, t)
    loss.backward()
    return loss.item(), x.grad.flatten().tolist()


def close(a, b, tol=1e-12):
    (va, ga), (vb, gb) = a, b
    pairs = [(va, vb), *zip(ga, gb, strict=True)]
    return all(abs(x - y) <= tol * max(1.0, abs(y)) for x, y in pairs)


# ----- the review's case, and every form of a list of whole numbers -------------------------


def test_one_output_model_with_labels_is_refused_with_a_hint():
    m = MLP(2, [4, 1], seed=0)
    outs = [m(x) for x in [[0.0, 1.0], [1.0, 0.0]]]
    with pytest.raises(ValueError) as info:
        cross_entropy(outs, [0, 1])
    text = str(info.value)
    first = "cross_entropy: one flat row of logits is one sample, but got 2 class indices, [0, 1]."
    assert text.startswith(first + " One output per sample? Use " + HINT)
    assert text.endswith("one row of class scores per sample: cross_entropy([[...], [...]], "
                         "[0, 1])")
    assert len(text) < 330  # one short sentence and the hint
    # and what the hint says to use does work on the same outputs
    assert binary_cross_entropy_with_logits(outs, [0, 1]).data > 0


@pytest.mark.parametrize("target", [
    [0, 1], (1, 0), [True, False], [0, 0], [0, 1, 1], [0, 0, 1],
    pytest.param("gen", id="generator"),
    pytest.param("numpy", id="numpy-int-array"),
    pytest.param("numpy-bool", id="numpy-bool-array"),
])
def test_a_list_of_whole_numbers_is_never_read_as_probabilities(target):
    if target == "gen":
        target = (k for k in [0, 1])
    elif target in ("numpy", "numpy-bool"):
        np = pytest.importorskip("numpy")
        target = np.array([0, 1]) if target == "numpy" else np.array([True, False])
    with pytest.raises(ValueError, match=r"^cross_entropy: one flat row of logits is one "
                       r"sample, but got \d class indices, .*\. One output per sample\?"):
        cross_entropy([Value(0.3), Value(-0.2), Value(1.0)], target)


def test_torch_refuses_the_same_targets():
    torch = _torch()
    x = torch.tensor([0.3, -0.2], dtype=torch.float64)
    for t in (torch.tensor([0, 1]), torch.tensor([True, False])):
        with pytest.raises(RuntimeError, match="Expected floating point type for target"):
            torch.nn.functional.cross_entropy(x, t)


def _outcome(call):
    """The loss and its gradients, or the type and message of the error."""
    try:
        return call()
    except (TypeError, ValueError) as error:
        return type(error), str(error)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=6),
       st.lists(st.floats(-5, 5), min_size=1, max_size=6))
def test_an_int_list_target_of_a_flat_row_is_read_as_for_a_batch_of_that_row(target, logits):
    flat = _outcome(lambda: ours(logits, target))
    batch = _outcome(lambda: ours([logits], target))
    if len(target) == 1:  # one class index: the same loss, or the same error
        assert flat == batch
    else:  # several class indices for one sample: an error in both shapes
        assert flat[0] is ValueError and batch[0] is ValueError
        assert flat[1].startswith("cross_entropy: one flat row of logits is one sample, but "
                                  f"got {len(target)} class indices")
        assert batch[1].startswith(f"cross_entropy: got 1 row of logits but {len(target)} "
                                   "targets")


def test_a_list_of_one_class_index_is_the_index_in_both_shapes():
    torch = _torch()
    logits = [0.3, -1.2, 2.0]
    flat = ours(logits, [2])
    assert flat == ours(logits, 2) == ours([logits], [2])
    # torch computes this loss too but cannot take its gradient ("size mismatch"), so the
    # comparison is with its batch of one row
    assert close(flat, theirs(torch, [logits], [2]))


# ----- an int one-hot row: the same in both shapes, and torch's numbers for its floats ----------


@st.composite
def one_hot_case(draw):
    n = draw(st.integers(2, 6))
    logits = draw(st.lists(st.floats(-20, 20), min_size=n, max_size=n))
    k = draw(st.integers(0, n - 1))
    return logits, [int(j == k) for j in range(n)]


@settings(max_examples=60, deadline=None)
@given(one_hot_case())
def test_an_int_one_hot_row_is_a_target_in_both_shapes_as_torch_reads_its_floats(case):
    torch = _torch()
    logits, row = case
    flat, batch = ours(logits, [row]), ours([logits], [row])
    assert flat == batch
    want = theirs(torch, [logits], [[float(r) for r in row]])
    assert close(flat, want, tol=1e-11)
    # and it is the same as its class index
    assert close(flat, ours(logits, row.index(1)), tol=1e-15)


def test_an_int_row_that_is_not_one_hot_is_refused_in_both_shapes():
    for logits in ([1.0, 2.0, 3.0], [[1.0, 2.0, 3.0]]):
        with pytest.raises(ValueError, match=r"^cross_entropy: target 1, \[0.0, 1.0, 1.0\], is "
                           r"not a row of probabilities: it adds up to 2, not 1"):
            cross_entropy(logits, [[0, 1, 1]])


# ----- the messages for a row of numbers that are not probabilities -------------------------


def test_float_labels_of_a_one_output_model_get_the_hint():
    m = MLP(2, [4, 1], seed=0)
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    with pytest.raises(ValueError) as info:
        cross_entropy([m(x) for x in X], [0.0, 1.0, 1.0, 0.0])
    text = str(info.value)
    assert "target 1" not in text  # the learner gave one list, not "target 1"
    assert text.startswith("cross_entropy: the target [0.0, 1.0, 1.0, 0.0] of this one sample "
                           "is not a row of probabilities: it adds up to 2, not 1")
    assert HINT in text


def test_flat_row_with_too_few_whole_numbers_gets_the_hint():
    with pytest.raises(ValueError, match=r"^cross_entropy: the target \[0.0, 1.0\] of this one "
                       r"sample has 2 numbers, but there are 3 classes .*" + HINT):
        cross_entropy([1.0, 2.0, 3.0], [0.0, 1.0])


def test_real_probabilities_that_are_wrong_get_no_label_hint():
    with pytest.raises(ValueError) as info:
        cross_entropy([1.0, 2.0], [0.5, 0.6])
    assert str(info.value) == (
        "cross_entropy: the target [0.5, 0.6] of this one sample is not a row of "
        "probabilities: it adds up to 1.1, not 1 (give a class index, or numbers >= 0 that "
        "add up to 1)")
    with pytest.raises(ValueError, match=r"it has a negative number"):
        cross_entropy([1.0, 2.0], [1.5, -0.5])


def test_batch_messages_name_the_target_and_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^cross_entropy: target 2, \[0.5, 0.6\], is not a row "
                       r"of probabilities: it adds up to 1.1, not 1 \(give a class index"):
        cross_entropy([[1.0, 2.0], [0.0, 1.0]], [[1.0, 0.0], [0.5, 0.6]])
    with pytest.raises(ValueError, match=r"^cross_entropy: target 1, \[0.5, 0.5, 0.0\], has 3 "
                       r"numbers, but there are 2 classes"):
        cross_entropy([[1.0, 2.0]], [[0.5, 0.5, 0.0]])


def test_one_logit_per_row_says_why_that_cannot_work():
    m = MLP(2, [4, 1], seed=0)
    rows = [[m(x)] for x in [[0.0, 1.0], [1.0, 0.0]]]
    for logits, targets in [(rows, [0, 1]), (rows, [0, 0]), (rows[0], [0]), (rows[0], 0),
                            ([[Value(0.5)]], [1.0])]:
        with pytest.raises(ValueError) as info:  # class 0 alone would give a loss of 0, always
            cross_entropy(logits, targets)
        text = str(info.value)
        assert text.startswith("cross_entropy: each row has only 1 logit, so class 0 is the "
                               "only class and the loss is always 0")
        assert HINT in text and "1 classes" not in text


# ----- the valid forms give torch's numbers (float64) ---------------------------------------

VALID = [
    ([0.3, -1.2, 2.0], 2),                      # one row, one class index
    ([0.3, -1.2, 2.0], [0.0, 1.0, 0.0]),        # one row, one-hot probabilities as floats
    ([0.3, -1.2, 2.0], [0.2, 0.5, 0.3]),        # one row, soft probabilities
    ([0.5, 0.5], [0.0, 1.0]),
    ([[0.3, -1.2, 2.0], [1.0, 0.0, -1.0]], [2, 0]),
    ([[0.3, -1.2, 2.0], [1.0, 0.0, -1.0]], [[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]]),
]


@pytest.mark.parametrize(("rows", "target"), VALID)
def test_valid_forms_match_torch(rows, target):
    torch = _torch()
    assert close(ours(rows, target), theirs(torch, rows, target))


@st.composite
def flat_case(draw):
    n = draw(st.integers(2, 6))  # one logit is refused (test above)
    logits = draw(st.lists(st.floats(-20, 20), min_size=n, max_size=n))
    if draw(st.booleans()):
        return logits, draw(st.integers(0, n - 1))
    weights = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n).filter(
        lambda w: sum(w) > 1e-3))
    total = math.fsum(weights)
    return logits, [w / total for w in weights]


@settings(max_examples=60, deadline=None)
@given(flat_case())
def test_flat_row_matches_torch(case):
    torch = _torch()
    logits, target = case
    assert close(ours(logits, target), theirs(torch, logits, target), tol=1e-11)
