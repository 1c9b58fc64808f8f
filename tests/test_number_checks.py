"""One behaviour for numbers too large for a float, in the engine and in stepgrad.nn: an
OverflowError (as Python's float(10 ** 400)) whose message names the function, the argument
and the number, described the same way everywhere (`stepgrad.value.too_large`). And one rule
for booleans: in data they are 1 and 0, as in Python; a setting refuses them."""

from __future__ import annotations

import re

import pytest

from stepgrad import Value, gradcheck
from stepgrad.nn import MLP, SGD, Adam, Layer, Neuron, Perceptron, StepLR, _argcheck, mse
from stepgrad.value import too_large

HUGE = [pytest.param(10**400, id="401-digits"), pytest.param(-(10**5000), id="5001-digits")]


def _w() -> Value:
    return Value(0.5, label="w")


# every place a number goes in, with the start of its message (plain text)
NUMBER_ENTRY_POINTS = [
    ("Value(): ", lambda h: Value(h)),
    ("+: ", lambda h: _w() + h),
    ("*: ", lambda h: h * _w()),
    ("SGD: lr is ", lambda h: SGD([_w()], lr=h)),
    ("Adam: betas[1] is ", lambda h: Adam([_w()], betas=(0.9, h))),
    ("StepLR: gamma is ", lambda h: StepLR(SGD([_w()], lr=0.1), step_size=1, gamma=h)),
    ("mse: prediction 1 is ", lambda h: mse([h], [1.0])),
    ("mse: target 1 is ", lambda h: mse([_w()], [h])),
    ("MLP input 2 is ", lambda h: MLP(2, [1])([1.0, h])),
    ("Perceptron: eta is ", lambda h: Perceptron(1, eta=abs(h))),
    ("Perceptron.fit: input 1 of sample 2 is ", lambda h: Perceptron(1).fit([[1.0], [h]], [1, -1])),
    ("Perceptron.predict: input 2 of the sample is ", lambda h: Perceptron(2).predict([1.0, h])),
    ("gradcheck: eps is ", lambda h: gradcheck(lambda x: x * x, 1.0, eps=abs(h))),
]


@pytest.mark.parametrize("huge", HUGE)
@pytest.mark.parametrize("start, call", NUMBER_ENTRY_POINTS,
                         ids=[s.split(":")[0].split(" ")[0] + str(i)
                              for i, (s, _) in enumerate(NUMBER_ENTRY_POINTS)])
def test_a_number_too_large_for_a_float_is_one_kind_of_error_everywhere(start, call, huge):
    with pytest.raises(OverflowError) as info:
        float(huge)  # what Python itself does
    assert "too large" in str(info.value)
    shown = re.escape(too_large(huge))  # 'an integer with 401 digits', the same words
    message = rf"^{re.escape(start)}{shown},? (is )?too large for a float$"
    with pytest.raises(OverflowError, match=message):
        call(huge)


SIZE_ENTRY_POINTS = [
    (r"MLP: nin is ", lambda h: MLP(h, [1])),
    (r"MLP: nouts\[1\] is ", lambda h: MLP(2, [3, h])),
    (r"Layer: nout is ", lambda h: Layer(2, h)),
    (r"Neuron: nin is ", lambda h: Neuron(h)),
    (r"Layer: nin is ", lambda h: Layer(h, 2)),
    (r"Perceptron: nin is ", lambda h: Perceptron(h)),
]


@pytest.mark.parametrize("start, call", SIZE_ENTRY_POINTS)
def test_a_size_too_large_to_build_is_an_overflow_error_at_once(start, call):
    huge = 10**400
    with pytest.raises(OverflowError, match=rf"^{start}an integer with 401 digits, too large "
                                            "for a size$"):
        call(huge)


def test_sizes_that_are_not_whole_numbers_are_still_value_errors():
    for bad in (0, -3, 2.0, True, "3"):
        with pytest.raises(ValueError, match=r"^MLP: nouts\[0\] must be a whole number >= 1"):
            MLP(2, [bad])
    with pytest.raises(ValueError, match=r"^MLP: nin must be a whole number >= 1, got 0$"):
        MLP(0, [1])


def test_nn_describes_huge_integers_with_the_engines_words():
    for huge in (10**400, -(10**5000), 10**61):
        assert _argcheck.shown(huge) == too_large(huge) == _argcheck.kind(huge)
    assert _argcheck.shown(10**59) == str(10**59)  # short enough to show


def test_booleans_are_numbers_in_data_and_refused_as_settings():
    # data: True and False are 1 and 0, as in Python (and torch.tensor(1.0) + True)
    assert Value(True).data == 1.0 and (_w() + True).data == 1.5 and (False * _w()).data == 0.0
    model = MLP(2, [2, 1], seed=0)
    assert model([True, False]).data == model([1.0, 0.0]).data
    assert mse([_w()], [True]).data == 0.25
    # settings: a bool there is a slip
    with pytest.raises(TypeError, match="^SGD: lr must be a number, got bool True$"):
        SGD([_w()], lr=True)
    with pytest.raises(TypeError, match="^gradcheck: eps must be a number, got bool True$"):
        gradcheck(lambda x: x * x, 1.0, eps=True)
    with pytest.raises(TypeError, match="^Adam: amsgrad must be True or False, got int 1$"):
        Adam([_w()], amsgrad=1)


def test_numpy_integers_are_sizes_too(tmp_path):
    np = pytest.importorskip("numpy")
    from stepgrad.nn import MLP, Layer

    labels = np.array([0, 2, 1])
    model = MLP(np.int64(2), [np.int32(4), labels.max() + 1], seed=0)
    assert [len(layer.neurons) for layer in model.layers] == [4, 3]
    assert type(model.layers[0].nin) is int and type(model.layers[1].nout) is int
    model.save(tmp_path / "m.json")  # plain ints: the model file is ordinary JSON
    again = MLP(2, [4, 3], seed=1).load(tmp_path / "m.json")
    assert again([0.5, -1.0])[2].data == model([0.5, -1.0])[2].data
    assert len(Layer(np.int64(2), np.int64(3)).neurons) == 3
    with pytest.raises(ValueError, match="whole number >= 1"):
        MLP(2, [np.float64(3.0)])
    with pytest.raises(ValueError, match="whole number >= 1"):
        MLP(2, [np.bool_(True)])
