"""model.save / model.load with a wrong path, on the real file system.

Every error names the path the learner gave and says what is wrong in plain words: never a
file descriptor ("Is a directory: 3") or the hidden temporary file next to the target. And a
save that fails never removes, truncates or changes a file that was there.
"""

from __future__ import annotations

import errno
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stepgrad.nn import MLP, ModelFileError, Neuron


def make_model(seed=2):
    return MLP(2, [3, 1], activation="tanh", seed=seed)


def snapshot(model):
    return [(p.label, p.data) for p in model.parameters()]


def tree(root):
    """Every file and folder under root, with each file's bytes."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            out[os.path.relpath(os.path.join(folder, d), root) + "/"] = None
        for f in files:
            path = os.path.join(folder, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = fh.read()
    return out


def no_trace_of_internals(text):
    assert ".tmp" not in text and ": 3" not in text and "Errno" not in text


# ----- a folder ------------------------------------------------------------------------------


def test_loading_a_folder_names_the_folder(tmp_path):
    model = make_model()
    before = snapshot(model)
    with pytest.raises(IsADirectoryError) as info:
        model.load(tmp_path)
    want = os.path.join(str(tmp_path), "model.json")
    assert str(info.value) == (f"MLP.load: '{tmp_path}' is a folder, not a model file; give a "
                               f"file name, such as '{want}'")
    assert info.value.errno == errno.EISDIR
    assert snapshot(model) == before


@pytest.mark.parametrize("content", [{}, {"keep.json": b"precious"}])
def test_saving_to_a_folder_names_the_folder_and_changes_nothing(tmp_path, content):
    folder = tmp_path / "models"
    folder.mkdir()
    for name, data in content.items():
        (folder / name).write_bytes(data)
    before = tree(tmp_path)
    with pytest.raises(IsADirectoryError) as info:
        make_model().save(folder)
    assert str(info.value).startswith(f"MLP.save: '{folder}' is a folder, so the model cannot "
                                      "be saved under that name; give a file name, such as")
    no_trace_of_internals(str(info.value))
    assert tree(tmp_path) == before  # no temporary file left in the parent either


def test_a_path_ending_with_a_slash_names_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IsADirectoryError, match="^MLP.save: 'new/' ends with a slash, so it "
                       "names a folder; give a file name, such as 'new/model.json'$"):
        make_model().save("new/")
    assert os.listdir(tmp_path) == []


# ----- an empty name ------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["save", "load"])
def test_an_empty_name_is_refused_before_touching_anything(tmp_path, monkeypatch, call):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=f"^MLP.{call}: the file name is empty; give one, "
                       "such as 'model.json'$"):
        getattr(model, call)("")
    assert tree(tmp_path) == {"work/": None} and snapshot(model) == before


# ----- missing folders and files, a file used as a folder -----------------------------------


def test_saving_into_a_missing_folder_names_the_path_and_the_folder(tmp_path):
    target = tmp_path / "no" / "m.json"
    with pytest.raises(FileNotFoundError) as info:
        make_model().save(target)
    assert str(info.value) == (f"MLP.save: cannot save to '{target}': the folder "
                               f"'{tmp_path / 'no'}' does not exist (create it first)")
    assert info.value.errno == errno.ENOENT
    assert os.listdir(tmp_path) == []


def test_a_tilde_gets_a_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"Python does not expand ~: use "
                       r"os.path.expanduser\)$"):
        make_model().save("~/m.json")


def test_loading_a_missing_file_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        make_model().load("nowhere.json")
    assert str(info.value) == (f"MLP.load: there is no file 'nowhere.json' (looked in the "
                               f"folder '{os.getcwd()}')")
    with pytest.raises(FileNotFoundError, match=r"^MLP.load: there is no file '.*nowhere.json'$"):
        make_model().load(tmp_path / "nowhere.json")  # an absolute path: no folder to add


@pytest.mark.parametrize("call", ["save", "load"])
def test_a_file_used_as_a_folder(tmp_path, call):
    (tmp_path / "m.json").write_bytes(b"precious")
    target = tmp_path / "m.json" / "x.json"
    with pytest.raises(NotADirectoryError) as info:
        getattr(make_model(), call)(target)
    verb = "save to" if call == "save" else "load"
    assert str(info.value) == (f"MLP.{call}: cannot {verb} '{target}': part of this path is a "
                               "file, not a folder")
    assert tree(tmp_path) == {"m.json": b"precious"}


# ----- one way of saying it -----------------------------------------------------------------


def _missing(folder):
    return "m.json", FileNotFoundError, "there is no file 'm.json'"


def _folder(folder):
    (folder / "sub").mkdir()
    return "sub", IsADirectoryError, "'sub' is a folder"


def _not_json(folder):
    (folder / "m.json").write_text("{not json")
    return "m.json", ModelFileError, "cannot load 'm.json': not valid JSON"


def _other_shape(folder):
    MLP(2, [4, 1]).save(folder / "m.json")
    return "m.json", ModelFileError, "cannot load 'm.json': it holds MLP(nin=2, nouts=[4, 1]"


@pytest.mark.parametrize("make", [_missing, _folder, _not_json, _other_shape],
                         ids=["missing", "a folder", "not JSON", "another shape"])
@pytest.mark.parametrize("kind", [make_model, lambda: Neuron(2)], ids=["MLP", "Neuron"])
def test_every_load_error_names_the_method_then_the_path_in_quotes(tmp_path, monkeypatch,
                                                                   make, kind):
    """A missing file, a folder and a bad file are said the same way: the method first, then
    the path as the learner typed it, in quotes."""
    monkeypatch.chdir(tmp_path)
    model = kind()
    name, error, start = make(tmp_path)
    with pytest.raises(error) as info:
        model.load(name)
    assert str(info.value).startswith(f"{type(model).__name__}.load: {start}")


# ----- nothing saved is ever lost -----------------------------------------------------------


@pytest.mark.parametrize("failure", ["mkstemp", "write", "fsync", "chmod", "replace"])
def test_a_save_that_fails_keeps_the_old_file_and_names_the_target(tmp_path, monkeypatch,
                                                                   failure):
    import tempfile

    path = tmp_path / "m.json"
    make_model(seed=3).save(path)
    before = tree(tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if failure == "write":
        real = os.fdopen

        class Full:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            write = staticmethod(full)

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: Full(real(*a, **k)))
    else:
        monkeypatch.setattr(tempfile if failure == "mkstemp" else os, failure, full)
    with pytest.raises(OSError) as info:
        make_model().save(path)
    monkeypatch.undo()
    assert str(info.value) == f"MLP.save: cannot save to '{path}': No space left on device"
    assert info.value.errno == errno.ENOSPC
    assert tree(tmp_path) == before


def test_ctrl_c_during_a_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    make_model(seed=3).save(path)
    before = tree(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        make_model().save(path)
    monkeypatch.undo()
    assert tree(tmp_path) == before


NAMES = ["m.json", "d", "d/", "d/m.json", "m.json/x.json", "no/m.json", "", "d/../m.json"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["save", "load"]), st.sampled_from(NAMES)),
                max_size=8))
def test_any_sequence_of_saves_and_loads_loses_nothing(tmp_path_factory, monkeypatch, calls):
    """The state machine of the file system: a save either replaces its target with a whole
    model file or changes nothing at all; a load never changes a file; every error names the
    path as given."""
    root = tmp_path_factory.mktemp("fs")
    monkeypatch.chdir(root)
    os.mkdir("d")
    with open("d/keep.json", "wb") as f:
        f.write(b"precious")
    model = make_model(seed=5)
    for call, name in calls:
        before = tree(root)
        try:
            getattr(model, call)(name)
        except (OSError, ValueError) as error:
            text = str(error)
            assert f"'{name}'" in text or (name == "" and "file name is empty" in text), text
            no_trace_of_internals(text)
            assert tree(root) == before
            continue
        after = tree(root)
        if call == "load":
            assert after == before
        else:
            written = os.path.normpath(name)
            changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
            assert changed <= {written}
            assert make_model(seed=9).load(name).state_dict() == model.state_dict()
    assert not [k for k in tree(root) if k.endswith(".tmp")]
