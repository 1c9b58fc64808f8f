"""Views that grow with the graph show a bounded number of rows (autograd/bounded.py): the
first and the last ones, the steps around the one a pass has reached, and a line that says
how many are left out. A table that fits is exactly the full table. The expected rows are
computed here from the Python stepper's own steps."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepgrad import Value, print_backward
from stepgrad.bounded import ROWS, shown_rows
from stepgrad.display import gradcheck_html, module_html, pass_html, steps_table_html
from stepgrad.gradcheck import GradCheck, GradCheckRow
from stepgrad.grouped_pass import GroupedPass
from stepgrad.nn import MLP
from stepgrad.stepping import short


def chain(n: int) -> Value:
    """x -> tanh -> * 0.5 -> tanh ...: a pass of exactly n steps, each value labelled."""
    v = Value(0.3, label="x")
    for i in range(n):
        v = v.tanh() if i % 2 == 0 else v * 0.5
        v.label = f"c{i + 1}"
    return v


def row(s) -> str:
    """A step's row as the tables show it (single spaces)."""
    return " ".join([str(s.index), f"{s.node_name} = {s.formula}", s.input_name,
                     short(s.upstream), short(s.local), short(s.contribution),
                     short(s.input_grad)])


def step_rows(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if re.match(r"\d+ ", line)]


def printed(root: Value, **kw) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        print_backward(root, **kw)
    return out.getvalue()


# ----- which rows ----------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(total=st.integers(0, 500), limit=st.none() | st.integers(1, 300),
       around=st.none() | st.integers(0, 500))
def test_the_rows_shown_and_the_rows_left_out_add_up(total, limit, around):
    rows, gaps = shown_rows(total, limit, around)
    assert rows == sorted(set(rows)) and all(0 <= i < total for i in rows)
    if limit is None or total <= limit:
        assert rows == list(range(total)) and gaps == {}
        return
    assert len(rows) <= limit
    assert len(rows) + sum(gaps.values()) == total
    # every gap is exactly the run of rows left out just before its position
    previous = [-1, *rows]
    for position, count in gaps.items():
        stop = rows[position] if position < len(rows) else total
        assert count == stop - previous[position] - 1 > 0
    assert all((p in gaps) == (i > previous[p] + 1) for p, i in enumerate(rows))
    if limit >= 4:  # the first and the last row are always there
        assert rows[0] == 0 and rows[-1] == total - 1
    if around is not None and 0 < around < total and limit >= 2:
        assert around - 1 in rows and around in rows  # the line "not done yet" has both sides


# ----- print_backward and table() --------------------------------------------------------------

def test_a_table_that_fits_is_the_whole_table():
    root = chain(ROWS)
    p = root.backward_steps()
    full = p.table(limit=None)
    assert p.table() == full and "not shown" not in full
    assert step_rows(full) == [row(s) for s in root.backward_steps().run()]
    assert printed(root) == printed(root, limit=None) == str(full).replace(
        "...   steps 1-200 are not done yet: next() does them one at a time\n", "") + "\n"


def test_print_backward_of_a_big_pass_shows_its_first_and_last_steps():
    root = chain(1000)
    steps = root.backward_steps().run()
    text = printed(root)
    assert step_rows(text) == [row(s) for s in steps[:100] + steps[-100:]]
    assert ("...   800 steps not shown (limit 200): print_backward(..., limit=None) shows them "
            "all, or step one neuron at a time (README: Big graphs)") in text.splitlines()
    assert step_rows(printed(root, limit=None)) == [row(s) for s in steps]
    assert step_rows(printed(root, limit=7)) == [row(s) for s in steps[:4] + steps[-3:]]


@pytest.mark.parametrize("k", [0, 1, 57, 500, 999, 1000])
def test_a_table_shows_the_steps_around_the_one_the_pass_reached(k):
    root = chain(1000)
    steps = root.backward_steps().run()
    root.zero_grad_graph()  # the pass below starts from scratch too
    p = root.backward_steps()
    for _ in range(k):
        next(p)
    text = p.table(limit=20)
    lines = text.splitlines()
    if 0 < k < 1000:  # 5 first, 5 before the step reached, 5 from it, 5 last
        shown = sorted({*range(5), *range(k - 5, k + 5), *range(995, 1000)} & set(range(1000)))
    else:  # not started or done: 10 first, 10 last
        shown = [*range(10), *range(990, 1000)]
    assert step_rows(text) == [row(steps[i]) for i in shown]
    if k < 1000:
        note = lines.index(f"...   steps {k + 1}-1000 are not done yet: next() does them one "
                           "at a time" if k < 999 else "...   step 1000 is not done yet: next() "
                           "does it")
        assert lines[note + 1].startswith(f"{k + 1} ")
        assert k == 0 or lines[note - 1].startswith(f"{k} ")
    # the notebook's HTML of the same table shows the same steps
    html = text._repr_html_()
    numbers = [int(n) for n in re.findall(r"<tr><td[^>]*>(\d+)</td>", html)]
    assert numbers == [i + 1 for i in shown]
    assert html.count("steps not shown (limit 20)") == text.count("steps not shown (limit 20)")


def test_limit_is_checked():
    p = chain(3).backward_steps()
    for bad, error in ((0, ValueError), (-1, ValueError), (2.5, TypeError), ("10", TypeError),
                       (True, TypeError)):
        with pytest.raises(error, match=r"^table\(\): limit must be a whole number"):
            p.table(limit=bad)
        with pytest.raises(error, match=r"^print_backward: limit must be a whole number"):
            print_backward(p.root, limit=bad)
    assert len(p.steps) == 0 and not p.stale  # nothing happened


# ----- the other views -------------------------------------------------------------------------

def test_the_list_of_steps_prints_short_and_is_still_a_list():
    small = chain(5).backward_steps().run()
    assert repr(small) == "[" + ", ".join(map(repr, small)) + "]"  # as any list
    steps = chain(1000).backward_steps().run()
    text = repr(steps)
    lines = text.splitlines()
    assert len(lines) == ROWS + 1
    assert lines[0] == "[" + repr(steps[0]) + ","
    assert lines[-1] == " " + repr(steps[-1]) + "]"
    assert ("800 steps not shown (limit 200): for step in steps: print(step) prints them all"
            in lines[100])
    assert isinstance(steps, list) and len(steps) == 1000 and steps[5:7] == list(steps)[5:7]


def test_the_steps_so_far_of_a_pass_in_a_notebook_are_bounded():
    p = chain(1000).backward_steps()
    p.run()
    html = pass_html(p)
    numbers = [int(n) for n in re.findall(r"<tr><td[^>]*>(\d+)</td>", html)]
    assert numbers == [*range(1, 101), *range(901, 1001)]
    assert "800 steps not shown (limit 200): the pass&#x27;s table(limit=None)" in html
    assert len(steps_table_html(p.steps, limit=None).split("<tr>")) == 1002


def test_a_grouped_pass_table_is_bounded():
    model = MLP(2, [8, 8, 1], seed=0)
    loss = sum((model([0.1 * i, 0.2]) - 1) ** 2 for i in range(20))
    loss.label = "loss"
    full = GroupedPass(loss, "neuron", aside=True).table(limit=None)
    rows = [line for line in full.splitlines() if re.match(r"\d+ ", line)]
    assert len(rows) > 40
    text = GroupedPass(loss, "neuron", aside=True).table(limit=40)
    shown = [line for line in text.splitlines() if re.match(r"\d+ ", line)]
    assert shown == rows[:20] + rows[-20:]
    assert f"{len(rows) - 40:,} steps not shown (limit 40): table(limit=None)" in text


def test_a_big_networks_parameters_are_bounded():
    model = MLP(2, [40, 40, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 1801
    html = module_html(model)
    shown = re.findall(r"<tr><td[^>]*>([^<]*)</td><td", html.split("parameters</summary>")[1])
    assert shown == names[:500] + names[-500:]
    assert "801 parameters not shown (limit 1000): .named_parameters() lists them all" in html
    small = MLP(2, [16, 16, 1], seed=0)  # micrograd's moons network: every parameter
    assert len(re.findall(r"<tr><td", module_html(small).split("parameters</summary>")[1])) \
        == len(small.parameters()) == 337


def test_gradchecks_html_of_many_inputs_is_bounded():
    rows = tuple(GradCheckRow(i, f"x{i}", 1.0, 2.0, 2.0, 0.0, 1e-6, True)
                 for i in range(1, 1501))
    html = gradcheck_html(GradCheck(3.0, rows))
    assert re.findall(r"<tr><td[^>]*>(\d+)</td>", html) == \
        [str(i) for i in [*range(1, 501), *range(1001, 1501)]]
    assert "500 inputs not shown (limit 1000): print(result) lists them all" in html


def test_a_limit_below_1_says_none_shows_every_row():
    from stepgrad import Value, print_backward

    with pytest.raises(ValueError, match=r"limit must be a whole number >= 1 \(or None for "
                                         r"every row\), got 0"):
        print_backward(Value(1.0) * 2.0, limit=0)
