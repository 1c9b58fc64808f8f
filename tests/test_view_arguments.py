"""Bad arguments to draw(), walkthrough() and GroupedPass about what to show (expand, depth,
focus) give one short error up front: the function, the argument, the value, what is
allowed; never a raw TypeError, KeyError or ValueError from deep inside."""

from __future__ import annotations

import re
import shutil

import pytest
from graphs import xor_loss

from stepgrad import draw, walkthrough
from stepgrad.grouped_pass import GroupedPass

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")

XOR_GROUPS = "'inputs', 'L1.n1', 'L1.n2', 'L1.n3', 'L1.n4', 'L2.n1', 'loss'"


def call(who, tmp_path, **kw):
    """draw(loss, **kw), walkthrough(loss, path, **kw) or GroupedPass(loss, **kw)."""
    loss = xor_loss()
    if who == "draw":
        return draw(loss, **kw)
    if who == "walkthrough":
        return walkthrough(loss, tmp_path / "page.html", **kw)
    return GroupedPass(loss, **kw)


def one_short_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and len(text) < 300, text
    return text


WHO = ["draw", "walkthrough", "GroupedPass"]


@needs_dot
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("expand, shown", [(5, "int 5"), (3.5, "float 3.5"),
                                           (object, "type <class 'object'>")])
def test_expand_that_is_not_a_name_or_a_list_of_names(who, expand, shown, tmp_path):
    with pytest.raises(TypeError) as info:  # before: 'int' object is not iterable
        call(who, tmp_path, expand=expand)
    assert one_short_line(info.value) == (
        f"{who}: expand must be a group name such as 'L1.n2', or a list of names (or None), "
        f"got {shown}")


@needs_dot
@pytest.mark.parametrize("who", WHO)
def test_expand_with_something_else_than_a_name_in_it(who, tmp_path):
    with pytest.raises(TypeError) as info:
        call(who, tmp_path, expand=["L1.n1", 7])
    assert one_short_line(info.value) == (
        f"{who}: expand must hold group names such as 'L1.n2', got int 7 in it")


@needs_dot
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("expand", [["L9.n9"], "L9.n9", ("L1.n1", "L9.n9")])
def test_expand_with_a_group_that_does_not_exist_lists_the_groups(who, expand, tmp_path):
    with pytest.raises(ValueError) as info:  # before: a raw KeyError, without the function
        call(who, tmp_path, expand=expand)
    assert not isinstance(info.value, KeyError)
    assert one_short_line(info.value) == (
        f"{who}: expand='L9.n9' is not a group (grouping by neuron); the groups are "
        f"{XOR_GROUPS}")


@needs_dot
@pytest.mark.parametrize("who", ["draw", "walkthrough"])
def test_a_missing_group_of_a_big_graph_lists_a_few_names_and_the_closest(who, tmp_path):
    from test_big_graphs import moons_loss

    loss, _ = moons_loss(2)
    kw = {"expand": "L1.n99"}
    with pytest.raises(ValueError) as info:
        draw(loss, **kw) if who == "draw" else walkthrough(loss, tmp_path / "p.html", **kw)
    text = one_short_line(info.value)
    assert text.startswith(f"{who}: expand='L1.n99' is not a group (grouping by neuron); did "
                           "you mean 'L1.n9'")
    assert re.search(r"The first groups are 'inputs', 'L1.n1', .*, \.\.\. \(36 in all\)$", text)


@pytest.mark.parametrize("focus", [None, "L2.n1"])
@pytest.mark.parametrize("depth, error, shown", [
    ("2", TypeError, "such as 2 (or None), got str '2'"),
    (2.0, TypeError, "such as 2 (or None), got float 2.0"),
    (True, TypeError, "such as 2 (or None), got bool True"),
    (-1, ValueError, ">= 0, got -1"),
])
def test_depth_that_is_not_a_whole_number(focus, depth, error, shown):
    with pytest.raises(error) as info:  # before: "depth= needs focus=", or no function named
        draw(xor_loss(), focus=focus, depth=depth)
    assert one_short_line(info.value) == f"draw: depth must be a whole number {shown}"


@pytest.mark.parametrize("focus, error, text", [
    (5, TypeError, "draw: focus must be a Value or its label such as 'L1.n2.w1' (or None), "
                   "got int 5"),
    ("L1.n9.w1", ValueError, "draw: focus: no value called 'L1.n9.w1' in this graph; did you "
                             "mean 'L1.n4.w1', 'L1.n3.w1', 'L1.n2.w1'?"),
])
def test_focus_that_names_nothing(focus, error, text):
    with pytest.raises(error) as info:
        draw(xor_loss(), focus=focus)
    assert one_short_line(info.value) == text


@pytest.mark.parametrize("kw", [{"expand": 5}, {"depth": "2"}, {"focus": 5}])
def test_the_kind_of_each_argument_is_checked_before_any_work(kw, monkeypatch):
    from stepgrad import views

    def never(root):
        raise AssertionError("walked the graph before checking the arguments")

    monkeypatch.setattr(views, "topological_order", never)
    with pytest.raises(TypeError, match=r"^draw: "):
        draw(xor_loss(), **kw)


@needs_dot
@pytest.mark.parametrize("who", ["draw", "walkthrough"])
@pytest.mark.parametrize("max_boxes, error, shown", [
    (0, ValueError, "0"), (-3, ValueError, "-3"),
    (2.0, TypeError, "float 2.0"), ("100", TypeError, "str '100'"), (True, TypeError, "bool True"),
])
def test_max_boxes_that_is_not_a_whole_number_from_1(who, max_boxes, error, shown, tmp_path):
    with pytest.raises(error) as info:  # before: 0 drew with the default limit, unsaid
        call(who, tmp_path, max_boxes=max_boxes, group="neuron")
    assert one_short_line(info.value).startswith(
        f"{who}: max_boxes must be a whole number >= 1")
    assert one_short_line(info.value).endswith(f"got {shown}")


@needs_dot
def test_max_boxes_may_be_a_numpy_integer(tmp_path):
    np = pytest.importorskip("numpy")
    assert "L1.n1" in call("draw", tmp_path, max_boxes=np.int64(50), group="neuron").source
