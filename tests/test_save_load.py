"""Saving and loading: exact round trips, and every bad file leaves the model untouched."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import MLP, Layer, ModelFileError, Module, Neuron


def snapshot(model):
    return [(p.label, p.data) for p in model.parameters()]


def test_round_trip_is_exact(tmp_path):
    source = MLP(2, [4, 3, 1], activation="tanh", output_activation="sigmoid", seed=11)
    for p in source.parameters():  # awkward floats: thirds, tiny and huge numbers
        p.data = p.data / 3.0 * 1e-7 if p.label.endswith("w1") else p.data * 1e12 / 7.0
    path = tmp_path / "model.json"
    source.save(path)
    target = MLP(2, [4, 3, 1], activation="tanh", output_activation="sigmoid", seed=99)
    assert target.state_dict() != source.state_dict()
    assert target.load(path) is target
    assert target.state_dict() == source.state_dict()
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]
    assert target([0.3, 0.7]).data == source([0.3, 0.7]).data


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=9, max_size=9))
def test_any_finite_floats_round_trip(tmp_path_factory, values):
    model = MLP(2, [2, 1])
    for p, v in zip(model.parameters(), values, strict=True):
        p.data = v
    path = tmp_path_factory.mktemp("m") / "m.json"
    model.save(path)
    other = MLP(2, [2, 1], seed=1).load(path)
    assert [p.data for p in other.parameters()] == values
    assert [math.copysign(1, p.data) for p in other.parameters()] == [
        math.copysign(1, v) for v in values]  # even -0.0 stays -0.0


def test_state_dict_round_trip_and_is_a_copy():
    model = MLP(3, [2, 2])
    state = model.state_dict()
    assert list(state) == [p.label for p in model.parameters()]
    state["L1.n1.w1"] = 123.0
    assert model.layers[0].neurons[0].w[0].data != 123.0
    model.load_state_dict(state)
    assert model.layers[0].neurons[0].w[0].data == 123.0


def test_file_is_readable_json(tmp_path):
    path = tmp_path / "m.json"
    Neuron(2, "tanh").save(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "stepgrad-model" and doc["version"] == 1
    assert doc["model"] == {"type": "Neuron", "nin": 2, "activation": "tanh"}
    assert list(doc["parameters"]) == ["n.w1", "n.w2", "n.b"]


def test_layer_and_custom_module_round_trip(tmp_path):
    layer = Layer(2, 3, "elu", seed=4)
    layer.save(tmp_path / "l.json")
    other = Layer(2, 3, "elu", seed=5).load(tmp_path / "l.json")
    assert other.state_dict() == layer.state_dict()

    class Line(Module):
        def __init__(self, a):
            self.a = Value(a, label="a")

        def parameters(self):
            return [self.a]

    Line(0.1).save(tmp_path / "line.json")
    assert Line(5.0).load(tmp_path / "line.json").a.data == 0.1


def good_document(model):
    return {"format": "stepgrad-model", "version": 1, "model": model.describe(),
            "parameters": model.state_dict()}


def corrupt(doc_change):
    def make(model, path):
        doc = good_document(model)
        doc_change(doc)
        path.write_text(json.dumps(doc))
    return make


def raw(text):
    def make(model, path):
        path.write_text(text)
    return make


def truncated(model, path):
    model.save(path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


BAD_FILES = {
    "empty": (raw(""), "the file is empty"),
    "not json": (raw("hello, I am not a model"), "not valid JSON"),
    "truncated": (truncated, "not valid JSON .* truncated"),
    "a list": (raw("[1, 2, 3]"), "expected a JSON object, got a list"),
    "no format": (corrupt(lambda d: d.pop("format")), "not a stepgrad model file"),
    "other version": (corrupt(lambda d: d.update(version=7)), "version 7 is not supported"),
    "no parameters": (corrupt(lambda d: d.pop("parameters")), "'parameters' is missing"),
    "no model": (corrupt(lambda d: d.pop("model")), "'model' is missing"),
    "missing key": (corrupt(lambda d: d["parameters"].pop("L2.n1.b")),
                    "missing parameters: L2.n1.b"),
    "extra key": (corrupt(lambda d: d["parameters"].update(extra=1.0)),
                  "unexpected parameters: extra"),
    "string value": (corrupt(lambda d: d["parameters"].update({"L1.n2.w1": "0.5"})),
                     "parameter 'L1.n2.w1' is str '0.5', expected a number"),
    "null value": (corrupt(lambda d: d["parameters"].update({"L1.n1.b": None})),
                   "parameter 'L1.n1.b' is NoneType None"),
    "bool value": (corrupt(lambda d: d["parameters"].update({"L1.n1.b": True})),
                   "parameter 'L1.n1.b' is bool True"),
    "NaN": (corrupt(lambda d: d["parameters"].update({"L2.n1.w3": float("nan")})),
            "parameter 'L2.n1.w3' is nan; parameters must be finite"),
    "Infinity": (corrupt(lambda d: d["parameters"].update({"L2.n1.w1": float("inf")})),
                 "parameter 'L2.n1.w1' is inf"),
    "parameters a list": (corrupt(lambda d: d.update(parameters=[1.0, 2.0])),
                          "must be a mapping from name to number, got list"),
    "other shape": (lambda m, p: MLP(2, [4, 1], "tanh").save(p),
                    r"it holds MLP\(nin=2, nouts=\[4, 1\].*but this model is "
                    r"MLP\(nin=2, nouts=\[3, 1\]"),
    "other activation": (lambda m, p: MLP(2, [3, 1], "relu").save(p),
                         r"activations=\['relu', 'linear'\]"),
    "a neuron": (lambda m, p: Neuron(2).save(p), r"it holds Neuron\(nin=2"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_raises_clearly_and_leaves_the_model_unchanged(tmp_path, case):
    make, message = BAD_FILES[case]
    model = MLP(2, [3, 1], activation="tanh", seed=2)
    path = tmp_path / "bad.json"
    make(MLP(2, [3, 1], activation="tanh", seed=3), path)  # another model's weights
    before = snapshot(model)
    with pytest.raises(ModelFileError, match=message) as info:
        model.load(path)
    assert str(info.value).startswith(f"MLP.load: cannot load '{path}': ")
    assert isinstance(info.value, ValueError)
    assert snapshot(model) == before


def test_missing_file_names_the_file(tmp_path):
    model = MLP(2, [3, 1])
    before = snapshot(model)
    with pytest.raises(FileNotFoundError, match="nowhere.json"):
        model.load(tmp_path / "nowhere.json")
    assert snapshot(model) == before


@pytest.mark.parametrize("state, message", [
    ({"L1.n1.w1": 1.0}, "missing parameters: L1.n1.w2, L1.n1.b, L1.n2.w1, L1.n2.w2, L1.n2.b "
                        r"\(and 7 more\)"),
    ([1.0] * 13, "got list"),
    ("weights", "got str"),
])
def test_bad_state_dict_leaves_the_model_unchanged(state, message):
    model = MLP(2, [3, 1])
    before = snapshot(model)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_save_leaves_no_temporary_file(tmp_path):
    MLP(2, [2, 1]).save(tmp_path / "m.json")
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
