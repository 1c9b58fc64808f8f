"""The names the tables, drawings and the walkthrough give values: a learner's label always
names that learner's value, as typed, and the automatic names of unlabelled values (v1, v2,
...) never take one. Random graphs whose labels look like automatic names (v1, v2, v3) and
some unlabelled values; every name is checked in print_backward, table(), draw's DOT and the
walkthrough data, where each value is found by its place in the graph (not by its name)."""

from __future__ import annotations

import io
import re
from collections import Counter
from contextlib import redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, draw, print_backward
from stepgrad.backward import topological_order
from stepgrad.walkthrough import walkthrough_data

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")

LABELS = ["v1", "v2", "v3", "a", "b"]


@st.composite
def graphs(draw_: st.DrawFn) -> Value:
    """A random graph: a few inputs, then operations on earlier values, each value with a
    label from LABELS or none; the output is the last value."""
    label = st.sampled_from(LABELS) | st.none()
    values = [Value(draw_(st.floats(-2, 2)), label=draw_(label) or "")
              for _ in range(draw_(st.integers(1, 3)))]
    for _ in range(draw_(st.integers(1, 10))):
        kind = draw_(st.sampled_from(["+", "*", "tanh", "* c"]))
        x = draw_(st.sampled_from(values))
        y = draw_(st.sampled_from(values))
        v = x + y if kind == "+" else x * y if kind == "*" else x.tanh() if kind == "tanh" \
            else x * 3.0
        v.label = draw_(label) or ""
        values.append(v)
    return values[-1]


def check_names(order: list[Value], shown: list[str]) -> None:
    """`shown[i]` is the name some view gives order[i]: a label used once is shown as typed,
    a label used by several values is shown as typed on one of them and as 'label#k' (no
    label of the graph) on the others, an unlabelled value never shows a label, and no two
    values share a name."""
    labels = Counter(v.label for v in order if v.label)
    assert len(set(shown)) == len(shown), shown
    for v, name in zip(order, shown, strict=True):
        if not v.label:
            assert name not in labels and re.fullmatch(r"v\d+", name), (name, labels)
        elif labels[v.label] == 1:
            assert name == v.label
        else:
            assert name == v.label or (name.startswith(v.label + "#") and name not in labels)
    for label in labels:  # every label is shown as typed on one of its values
        assert label in shown


def table_names(text: str) -> dict[int, tuple[str, str]]:
    """{step number: (the node's name, the input's name)} from a text table of steps."""
    found = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line)
        if re.fullmatch(r"\d+", cells[0]):
            found[int(cells[0])] = (cells[1].split(" = ")[0], cells[2])
    return found


def names_in_tables(root: Value, text: str) -> dict[Value, str]:
    """The name a table gives each value it mentions, found by the steps' values."""
    steps = root.backward_steps().run()
    root.zero_grad_graph()
    found: dict[Value, str] = {}
    for index, (node, inp) in table_names(text).items():
        s = steps[index - 1]
        for v, name in ((s.node, node), (s.input, inp)):
            assert found.setdefault(v, name) == name  # one value, one name everywhere
    return found


@settings(max_examples=150, deadline=None)
@given(root=graphs())
def test_a_learners_label_is_shown_on_that_learners_value_everywhere(root):
    order = topological_order(root)
    out = io.StringIO()
    with redirect_stdout(out):
        print_backward(root)
    in_print = names_in_tables(root, out.getvalue())
    in_table = names_in_tables(root, str(root.backward_steps().table()))
    root.zero_grad_graph()
    source = draw(root).source
    in_dot = [re.search(rf"\bn{i} \[label=<.*?<B>(.*?)</B>", source).group(1)
              for i in range(len(order))]
    in_page = [n["name"] for n in walkthrough_data(root)["nodes"]]
    check_names(order, in_dot)
    assert in_page == in_dot
    mentioned = [v for v in order if v in in_print]
    assert [in_print[v] for v in mentioned] == [in_dot[order.index(v)] for v in mentioned]
    assert in_table == in_print


def test_the_reviews_example():
    a = Value(2.0, label="v1"); b = Value(3.0)  # noqa: E702
    c = a * b; d = c + a; d.label = "v2"  # noqa: E702
    out = io.StringIO()
    with redirect_stdout(out):
        print_backward(d)
    rows = table_names(out.getvalue())
    # d is the learner's v2, a the learner's v1; b and c (a * b) get v3 and v4
    assert rows == {1: ("v2", "v4"), 2: ("v2", "v1"), 3: ("v4", "v1"), 4: ("v4", "v3")}
    assert "#" not in out.getvalue() and "'" not in out.getvalue()
    assert walkthrough_data(d)["root_name"] == "v2"


def test_a_suffix_for_a_label_used_twice_is_no_label_either():
    w = Value(1.0, label="w"); w2 = Value(2.0, label="w"); w_2 = Value(3.0, label="w#2")  # noqa: E702
    out = w * w2 + w_2
    names = [n["name"] for n in walkthrough_data(out)["nodes"]]
    by_value = dict(zip(topological_order(out), names, strict=True))
    assert by_value[w] == "w" and by_value[w_2] == "w#2" and by_value[w2] == "w#3"
