"""A model too large for memory is refused at once, before anything is built (nn/limits.py).

`MLP(2, [10**9])` used to build Values until the memory was gone (in Colab: a hang, then a
crashed kernel). Now each constructor counts the parameters first and raises a ValueError that
names the call, the count, the memory it would take and what to do.
"""

from __future__ import annotations

import gc
import re
import tracemalloc

import pytest

import stepgrad.nn.limits as limits
from stepgrad import Value
from stepgrad.nn import MLP, Layer, Neuron, Perceptron

ADVICE = r" \(or raise stepgrad\.nn\.limits\.MAX_PARAMETERS\)$"


@pytest.fixture
def no_values_built(monkeypatch):
    """Fails the test at the first Value a constructor tries to build."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("a Value was built before the size was checked")
    monkeypatch.setattr(Value, "__init__", refuse)


# (the call, the message it gives: the call as typed, the count, the memory, the advice)
HUGE = [
    (lambda: MLP(2, [10**9]),
     r"^MLP\(2, \[1_000_000_000\]\) would have 3,000,000,000 parameters \(about 980 GB of "
     r"memory\); the limit is 10,000,000\. Use fewer or smaller layers"),
    (lambda: MLP(3, [4, 10**8, 1]),
     r"^MLP\(3, \[4, 100_000_000, 1\]\) would have 600,000,017 parameters \(about 158 GB of "
     r"memory\); the limit is 10,000,000\. Use fewer or smaller layers"),
    (lambda: Layer(10**5, 10**5),
     r"^Layer\(100_000, 100_000\) would have 10,000,100,000 parameters \(about 2 TB of "
     r"memory\); the limit is 10,000,000\. Use fewer inputs or neurons"),
    (lambda: Neuron(10**9),
     r"^Neuron\(1_000_000_000\) would have 1,000,000,001 parameters \(about 200 GB of "
     r"memory\); the limit is 10,000,000\. Use fewer inputs"),
    # 2 * 10**18 inputs: were they not refused, Python's own [0.0] * n would fail at once
    # (a MemoryError before any allocation: more than sys.maxsize bytes), never hang
    (lambda: Perceptron(2 * 10**18),
     r"^Perceptron\(2_000_000_000_000_000_000\) would have 2,000,000,000,000,000,001 parameters "
     r"\(about 64,000,000 TB of memory\); the limit is 10,000,000\. Use fewer inputs"),
]


@pytest.mark.parametrize("call, message", HUGE, ids=["MLP", "MLP-3-layers", "Layer", "Neuron",
                                                     "Perceptron"])
def test_a_huge_model_is_refused_with_the_numbers(no_values_built, call, message):
    with pytest.raises(ValueError, match=message + ADVICE):
        call()


def test_the_numbers_in_the_message_are_the_arithmetic_of_the_sizes(no_values_built):
    """The count is a weight per input and a bias per neuron, layer by layer; the memory is
    the measured cost per parameter and per neuron (checked against tracemalloc below)."""
    with pytest.raises(ValueError) as info:
        MLP(3, [4, 10**8, 1])
    count = 4 * (3 + 1) + 10**8 * (4 + 1) + 1 * (10**8 + 1)
    assert f" {count:,} parameters" in str(info.value)
    nbytes = limits.PARAMETER_BYTES * count + limits.NEURON_BYTES * (4 + 10**8 + 1)
    assert f"({limits.memory_text(nbytes)} of memory)" in str(info.value)
    assert limits.memory_text(nbytes) == "about 158 GB"  # 1.58e11 bytes


def test_nothing_is_allocated_before_the_refusal(no_values_built):
    """Not even the perceptron's list of weights."""
    gc.collect()
    tracemalloc.start()
    try:
        for call, _ in HUGE:
            with pytest.raises(ValueError, match="would have"):
                call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200_000, peak


def test_a_very_long_list_of_layers_is_cut_in_the_message(no_values_built):
    with pytest.raises(ValueError, match=r"^MLP\(2, \[16, 16, 16, \.\.\. \(999,995 more\), 16, "
                                         r"16\]\) would have 271,999,776 parameters"):
        MLP(2, [16] * 10**6)


def test_the_limit_itself_is_allowed_and_one_more_is_refused(monkeypatch):
    """The boundary, with the limit set to 12 (as a teacher would set it, but lower)."""
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 12)
    at_the_limit = [Neuron(11), Layer(3, 3), Layer(11, 1), MLP(2, [4]), MLP(2, [2, 2]),
                    MLP(1, [1, 1, 1, 1, 1, 1])]
    assert [m.num_parameters() for m in at_the_limit] == [12] * 6
    assert len(Perceptron(11).w) == 11  # and a bias: 12
    one_more = [
        (lambda: Neuron(12), r"^Neuron\(12\) would have 13 parameters"),
        (lambda: Perceptron(12), r"^Perceptron\(12\) would have 13 parameters"),
        (lambda: Layer(12, 1), r"^Layer\(12, 1\) would have 13 parameters"),
        (lambda: Layer(1, 7), r"^Layer\(1, 7\) would have 14 parameters"),
        # each layer alone is under the limit: the MLP counts them all before building one
        (lambda: MLP(1, [2, 3]), r"^MLP\(1, \[2, 3\]\) would have 13 parameters"),
        (lambda: MLP(1, [1] * 7), r"^MLP\(1, \[1, 1, 1, 1, 1, 1, 1\]\) would have 14 parameters"),
    ]
    for call, message in one_more:
        with pytest.raises(ValueError, match=message + r" \(about .* of memory\); the limit "
                                                       r"is 12\. "):
            call()


def test_a_teacher_can_raise_the_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 10)
    with pytest.raises(ValueError, match="the limit is 10"):
        MLP(2, [4])
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 12)
    assert MLP(2, [4]).num_parameters() == 12


def test_the_limit_is_one_documented_number():
    assert limits.MAX_PARAMETERS == 10_000_000
    import stepgrad.nn

    assert stepgrad.nn.limits is limits  # reachable as the message says, after import
    assert "MAX_PARAMETERS" in (limits.__doc__ or "")


def _measured(make) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        model = make()
        used, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del model
    return used


@pytest.mark.parametrize("make, params, neurons", [
    (lambda: Layer(199, 100), 20_000, 100),        # wide neurons: the parameters' cost
    (lambda: Layer(1, 10_000), 20_000, 10_000),    # one input each: the neurons' own cost too
    (lambda: MLP(2, [64, 64, 1]), 4_417, 129),
], ids=["wide", "narrow", "mlp"])
def test_the_memory_in_the_message_is_what_building_takes(make, params, neurons):
    """The message's 'about N GB' comes from these per-parameter costs: within 25% of what
    tracemalloc measures when the model is built."""
    estimate = limits.PARAMETER_BYTES * params + limits.NEURON_BYTES * neurons
    assert make().num_parameters() == params
    used = _measured(make)
    assert 0.75 * used < estimate < 1.25 * used, (estimate, used)


def test_the_perceptron_memory_is_what_its_trained_weights_take():
    n = 20_000
    points = [[1.0 + i / n for i in range(n)], [-1.0 - i / n for i in range(n)]]
    target = [1, -1]

    def trained():
        p = Perceptron(n)
        p.fit(points, target)
        return p

    assert trained().accuracy(points, target) == 1.0
    used = _measured(trained)
    estimate = limits.WEIGHT_BYTES * (n + 1)
    assert 0.75 * used < estimate < 1.25 * used, (estimate, used)


@pytest.mark.parametrize("nbytes, text", [
    (9.8e11, "about 980 GB"), (2.0001e12, "about 2 TB"), (1.5e9, "about 1.5 GB"),
    (3.2e8, "about 320 MB"), (9.96e9, "about 10 GB"), (7_200, "about 7.2 KB"),
    (500, "about 500 bytes"), (4.5e20, "about 450,000,000 TB"),
])
def test_memory_text(nbytes, text):
    assert limits.memory_text(nbytes) == text


def test_models_under_the_limit_are_built_as_before():
    model = MLP(2, [16, 16, 1], seed=0)
    assert model.num_parameters() == 337
    assert re.fullmatch(r"MLP of \[.*\], 337 parameters", repr(model))
