"""Hostile model files: every corrupt file is a ModelFileError and the model stays as it was;
`save` cannot be redirected through its temporary file; `load` and `save` take file names only."""

from __future__ import annotations

import errno
import json
import math
import os
import stat

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import MLP, ModelFileError, Module

POSIX = os.name == "posix"


def make_model(seed=2):
    return MLP(2, [3, 1], activation="tanh", seed=seed)


def snapshot(model):
    return [(p.label, p.data) for p in model.parameters()]


def good_document():
    other = make_model(seed=3)
    return {"format": "stepgrad-model", "version": 1, "model": other.describe(),
            "parameters": other.state_dict()}


def good_text():
    return json.dumps(good_document(), indent=1)


def assert_refused(path, message=None):
    """Loading `path` raises ModelFileError (with `message`) and changes nothing."""
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ModelFileError, match=message) as info:
        model.load(path)
    text = str(info.value)
    assert text.startswith(f"MLP.load: cannot load '{path}': ")
    assert len(text) < 600, "the message must stay short, whatever the file holds"
    assert snapshot(model) == before
    return text


def with_parameter(value_text):
    """A good file in which parameter L1.n2.w1 is written as `value_text`."""
    doc = good_document()
    doc["parameters"]["L1.n2.w1"] = "@@"
    return json.dumps(doc).replace('"@@"', value_text)


def nested(depth):
    return "[" * depth + "]" * depth


HOSTILE = {
    # not text at all, or text in another encoding
    "binary": (b"\x00\xff\xfe\x01\x89PNG\r\n\x1a\n" * 10, "not UTF-8 text .*binary file"),
    "utf-16 with BOM": (good_text().encode("utf-16"), "UTF-16 text; a saved model is UTF-8"),
    "utf-16-le without BOM": (good_text().encode("utf-16-le"), "not valid JSON"),
    "utf-32": (good_text().encode("utf-32"), "not UTF-8 text|UTF-16"),
    "latin-1 label": ('{"format": "stepgrad-model", "model": "caf\xe9"}'.encode("latin-1"),
                      r"not UTF-8 text \(byte 0xe9 at position 42\)"),
    "NUL bytes": (b"\x00" * 100, "not valid JSON"),
    "a lone BOM": (b"\xef\xbb\xbf", "the file is empty"),
    # JSON that would take Python down: recursion bombs, numbers with thousands of digits
    "100000 nested [": (b"[" * 100_000, "nested far too deeply|not valid JSON"),
    "100000 nested [] closed": (nested(100_000).encode(), "nested far too deeply"),
    "100000 nested {": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested far too deeply"),
    "deep model": (json.dumps(good_document()).replace('"type": "MLP"', '"type": '
                   + nested(50_000)).encode(), "nested far too deeply"),
    "deep parameter": (with_parameter(nested(50_000)).encode(), "nested far too deeply"),
    "5000-digit parameter": (with_parameter("9" * 5000).encode(),
                             "a whole number with 5000 digits"),
    "400-digit parameter": (with_parameter("-" + "9" * 400).encode(),
                            "a whole number with 400 digits"),
    "5000-digit version": (json.dumps(good_document()).replace('"version": 1', '"version": '
                           + "1" * 5000).encode(), "whole number with 5000 digits"),
    "long float": (with_parameter("0." + "1" * 5000).encode(), "written with 5002 characters"),
    "1e999": (with_parameter("1e999").encode(), "parameter 'L1.n2.w1' is inf"),
    "NaN literal": (with_parameter("NaN").encode(), "parameter 'L1.n2.w1' is nan"),
    "-Infinity literal": (with_parameter("-Infinity").encode(), "is -inf"),
    # duplicate keys: which one would count?
    "duplicate parameter": (with_parameter('0.5, "L1.n2.w1": 0.25').encode(),
                            "the key 'L1.n2.w1' appears twice"),
    "duplicate format": (b'{"format": "stepgrad-model", "format": "stepgrad-model"}',
                         "the key 'format' appears twice"),
    # wrong schema of every kind
    "a string": (b'"stepgrad-model"', "expected a JSON object, got a str"),
    "a number": (b"42", "expected a JSON object, got a int"),
    "null": (b"null", "expected a JSON object, got a NoneType"),
    "format a list": (json.dumps({**good_document(), "format": ["stepgrad-model"]}).encode(),
                      "not a stepgrad model file"),
    "version a string": (json.dumps({**good_document(), "version": "1"}).encode(),
                         "version '1' is not supported"),
    "version true": (json.dumps({**good_document(), "version": True}).encode(),
                     "version True is not supported"),
    "version 1.0": (json.dumps({**good_document(), "version": 1.0}).encode(),
                    "version 1.0 is not supported"),
    "version null": (json.dumps({**good_document(), "version": None}).encode(),
                     "version None is not supported"),
    "model a number": (json.dumps({**good_document(), "model": 3}).encode(),
                       r"it holds 3, but this model is MLP\(nin=2"),
    "model a huge string": (json.dumps({**good_document(), "model": "x" * 100_000}).encode(),
                            r"it holds 'xxxx.*\.\.\., but this model is MLP"),
    "model with a huge key": (json.dumps({**good_document(), "model": {"k" * 10**5: 1}})
                              .encode(), "it holds model"),
    "parameters null": (json.dumps({**good_document(), "parameters": None}).encode(),
                        "must be a mapping from name to number, got NoneType"),
    "parameters a string": (json.dumps({**good_document(), "parameters": "0.5"}).encode(),
                            "got str"),
    "parameter a list": (with_parameter("[0.5]").encode(), r"is list \[0.5\], expected a num"),
    "parameter an object": (with_parameter('{"v": 0.5}').encode(), "is dict"),
    "parameter a huge string": (with_parameter(json.dumps("7" * 10**5)).encode(),
                                r"is str '777.*\.\.\., expected a number"),
    "10000 unexpected parameters": (json.dumps({**good_document(), "parameters": {
        **good_document()["parameters"], **{f"x{i}": 0.0 for i in range(10_000)}}}).encode(),
        r"unexpected parameters: x0, x1, x2, x3, x4 \(and 9995 more\)"),
    "a control-character name": (json.dumps({**good_document(), "parameters": {
        **good_document()["parameters"], "\x1b[2J": 0.0}}).encode(),
        r"unexpected parameters: '\\x1b\[2J'"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_a_model_file_error_and_changes_nothing(tmp_path, case):
    data, message = HOSTILE[case]
    path = tmp_path / "model.json"
    path.write_bytes(data)
    assert_refused(path, message)


def test_a_good_file_with_a_utf8_byte_order_mark_loads(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + good_text().encode())
    model = make_model().load(path)
    assert model.state_dict() == good_document()["parameters"]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_refused_without_reading_it():
    assert_refused("/dev/null", "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    import threading

    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)  # opening it to read, plainly, would wait for ever for a writer
    done = threading.Event()

    def rescue():  # a safety net, not a timing: should load() block, unblock it (and fail)
        if not done.wait(20):
            os.close(os.open(pipe, os.O_WRONLY))

    helper = threading.Thread(target=rescue, daemon=True)
    helper.start()
    try:
        assert_refused(pipe, "not a regular file")
    finally:
        done.set()
        helper.join()


def test_a_folder_and_a_missing_file_are_os_errors(tmp_path):
    model = make_model()
    before = snapshot(model)
    with pytest.raises(FileNotFoundError, match="nowhere.json"):
        model.load(tmp_path / "nowhere.json")
    with pytest.raises((IsADirectoryError, PermissionError)):
        model.load(tmp_path)
    assert snapshot(model) == before


# ----- Hypothesis: random bytes, random JSON, random damage to a good file ---------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**60), 10**60)
    | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)
FIELDS = ["format", "version", "model", "parameters", "L1.n1.w1", "L2.n1.b"]

fixed = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@fixed
@given(data=st.binary(max_size=300))
def test_random_bytes_are_refused(tmp_path, data):
    path = tmp_path / "random.bin"
    path.write_bytes(data)
    assert_refused(path)


@fixed
@given(value=JSON)
def test_random_json_is_refused(tmp_path, value):
    path = tmp_path / "random.json"
    path.write_text(json.dumps(value))
    assert_refused(path)


@fixed
@given(field=st.sampled_from(FIELDS), value=JSON)
def test_a_good_file_with_one_field_replaced_by_random_json(tmp_path, field, value):
    doc = good_document()
    where = doc["parameters"] if "." in field else doc
    assume(json.dumps(where[field]) != json.dumps(value))  # a real change
    where[field] = value
    path = tmp_path / "one-field.json"
    path.write_text(json.dumps(doc))
    too_long = isinstance(value, int) and len(str(value)) > 40  # refused as too many digits
    if "." in field and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and not too_long and math.isfinite(value):
        assert make_model().load(path).state_dict()[field] == value  # a finite number is fine
        return
    assert_refused(path)


@fixed
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=3)), min_size=1,
                     max_size=4))
def test_random_damage_to_a_good_file_loads_exactly_or_is_refused(tmp_path, cuts):
    data = bytearray(good_text().encode())
    for position, replacement in cuts:
        i = position % (len(data) + 1)
        data[i:i + len(replacement) or i + 1] = replacement
    path = tmp_path / "damaged.json"
    path.write_bytes(bytes(data))
    model = make_model()
    before = snapshot(model)
    try:
        model.load(path)
    except ModelFileError:
        assert snapshot(model) == before
    else:  # the damage left a valid file: it must hold exactly what the model now has
        stored = json.loads(bytes(data).decode("utf-8-sig"))["parameters"]
        assert model.state_dict() == stored


# ----- file names only: no file descriptors, no file objects ----------------------------------


def test_load_refuses_a_file_descriptor_and_does_not_touch_it(tmp_path):
    path = tmp_path / "m.json"
    make_model(seed=3).save(path)
    model = make_model()
    before = snapshot(model)
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(TypeError, match=r"^MLP.load: path must be a file name \(a str or "
                                            r"a pathlib.Path\), got int \d+; a file descriptor"):
            model.load(fd)
        assert os.read(fd, 1) == b"{"  # still open, still at the start
    finally:
        os.close(fd)
    assert snapshot(model) == before


@pytest.mark.parametrize("bad", [None, 3.5, b"m.json", ["m.json"], True])
def test_load_and_save_refuse_what_is_not_a_file_name(tmp_path, bad, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = make_model()
    before = snapshot(model)
    with pytest.raises(TypeError, match="^MLP.load: path must be a file name"):
        model.load(bad)
    with pytest.raises(TypeError, match="^MLP.save: path must be a file name"):
        model.save(bad)
    assert snapshot(model) == before and os.listdir(tmp_path) == []


def test_a_path_object_that_gives_bytes_is_refused_as_bytes_are(tmp_path, monkeypatch):
    class BytesPath(os.PathLike):
        def __fspath__(self):
            return b"m.json"

        def __repr__(self):
            return "BytesPath()"

    monkeypatch.chdir(tmp_path)
    make_model(seed=3).save("m.json")
    model = make_model()
    before = snapshot(model)
    for call, owner in ((model.load, "MLP.load"), (model.save, "MLP.save")):
        with pytest.raises(TypeError) as info:
            call(BytesPath())
        assert str(info.value) == (f"{owner}: path must be a file name (a str or a "
                                   "pathlib.Path), got BytesPath BytesPath(), which gives "
                                   "bytes b'm.json'")
    assert snapshot(model) == before and os.listdir(tmp_path) == ["m.json"]


def test_load_and_save_refuse_an_open_file(tmp_path):
    path = tmp_path / "m.json"
    make_model(seed=3).save(path)
    with open(path) as f, pytest.raises(TypeError, match="not an open file"):
        make_model().load(f)
    with open(tmp_path / "other.json", "w") as f, pytest.raises(TypeError, match="open file"):
        make_model().save(f)
    assert (tmp_path / "other.json").read_text() == ""


def test_save_refuses_a_non_finite_parameter_and_writes_nothing(tmp_path):
    model = make_model()
    model.layers[1].neurons[0].b._data = float("nan")  # past the checked .data setter
    with pytest.raises(ValueError, match=r"^MLP.save: parameter 'L2.n1.b' is nan; only finite"):
        model.save(tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def test_save_and_load_accept_str_and_pathlike(tmp_path):
    class Where(os.PathLike):
        def __fspath__(self):
            return str(tmp_path / "where.json")

    make_model(seed=5).save(str(tmp_path / "a.json"))
    make_model(seed=5).save(Where())
    assert make_model().load(Where()).state_dict() == make_model(seed=5).state_dict()
    assert make_model().load(str(tmp_path / "a.json")).state_dict() == \
        make_model(seed=5).state_dict()


# ----- save: its temporary file can be neither predicted nor planted ---------------------------


def spy_on_replace(monkeypatch):
    calls = []
    real = os.replace

    def spy(src, dst, *args, **kwargs):
        calls.append((os.fspath(src), os.fspath(dst)))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    return calls


def test_the_temporary_name_is_new_each_time_and_in_the_same_folder(tmp_path, monkeypatch):
    calls = spy_on_replace(monkeypatch)
    path = tmp_path / "m.json"
    for _ in range(3):
        make_model().save(path)
    temporaries = [src for src, _ in calls]
    assert len(set(temporaries)) == 3
    for src, dst in calls:
        assert os.path.dirname(src) == str(tmp_path) and dst == str(path)
        assert src != str(path) + ".tmp"
    assert os.listdir(tmp_path) == ["m.json"]


@pytest.mark.skipif(not hasattr(os, "symlink") or not POSIX, reason="needs symbolic links")
def test_a_link_planted_at_the_old_temporary_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "m.json.tmp").symlink_to(victim)
    make_model().save(tmp_path / "m.json")
    assert victim.read_text() == "precious"
    assert os.path.islink(tmp_path / "m.json.tmp")
    assert make_model(seed=9).load(tmp_path / "m.json").state_dict() == make_model().state_dict()


@pytest.mark.skipif(not hasattr(os, "symlink") or not POSIX, reason="needs symbolic links")
def test_a_link_planted_at_the_next_random_name_is_not_followed(tmp_path, monkeypatch):
    """Even if an attacker guessed the next random name, it is created exclusively (O_EXCL)."""
    import tempfile

    if not hasattr(tempfile, "_get_candidate_names"):
        pytest.skip("this Python's tempfile draws names differently")
    names = iter(["guessed", "guessed", "fresh"])
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / ".m.json.guessed.tmp").symlink_to(victim)
    make_model().save(tmp_path / "m.json")
    assert victim.read_text() == "precious"
    assert os.path.islink(tmp_path / ".m.json.guessed.tmp")
    assert json.loads((tmp_path / "m.json").read_text())["parameters"] == \
        make_model().state_dict()


def test_saving_over_a_folder_fails_cleanly(tmp_path):
    (tmp_path / "m.json").mkdir()
    with pytest.raises(OSError):
        make_model().save(tmp_path / "m.json")
    assert os.listdir(tmp_path) == ["m.json"] and os.listdir(tmp_path / "m.json") == []


def test_saving_into_a_missing_folder_names_the_file_asked_for(tmp_path):
    target = tmp_path / "no" / "such" / "m.json"
    with pytest.raises(FileNotFoundError) as info:
        make_model().save(target)
    assert info.value.errno == errno.ENOENT  # the path is in the message, not in .filename
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_permissions_of_an_existing_file_are_kept_and_new_files_follow_the_umask(tmp_path):
    path = tmp_path / "m.json"
    make_model().save(path)
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask
    os.chmod(path, 0o640)
    make_model(seed=4).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_load_state_dict_refuses_a_huge_integer():
    model = make_model()
    state = model.state_dict()
    state["L1.n1.w1"] = 10**5000
    before = snapshot(model)
    with pytest.raises(ValueError, match="parameter 'L1.n1.w1' is a number too large for a float"):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_a_custom_module_reports_its_own_name():
    class Line(Module):
        def __init__(self):
            self.a = Value(1.0, label="a")

        def parameters(self):
            return [self.a]

    with pytest.raises(TypeError, match="^Line.load: path must be a file name"):
        Line().load(7)
