"""A big graph in a real Jupyter kernel (nbclient): micrograd's moons loss on 100 points
(MLP(2, [16, 16, 1]), 64,738 values, 122,100 backward steps). Every output a learner gets
from the usual calls stays small enough for a notebook to show (Jupyter drops a stream of
more than about 1 MB in 3 s with only "IOPub data rate exceeded"), and what it shows is right:
the first and last steps shown are the Python stepper's own, and the line in between says how
many are left out.

Before the limits, these cells sent 12 MB (print_backward), 12 MB + 57 MB (table()) and 74 MB
(a finished pass) to the browser."""

from __future__ import annotations

import html as html_module
import json
import re

import pytest
from kernel import run_cells

from stepgrad import BackwardPass

for module in ("nbformat", "nbclient", "ipykernel"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[test]')")

MAX_OUTPUT = 1_000_000  # characters in one output (all of its formats together)
ROWS = 200  # the default limit of a table of steps

GRAPH = """\
from stepgrad import Value, draw, print_backward
from stepgrad.nn import MLP, make_moons
X, y = make_moons(100, noise=0.1, seed=0)
model = MLP(2, [16, 16, 1], seed=0)
scores = [model(x) for x in X]
losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
loss = sum(losses) * (1.0 / len(losses)); loss.label = "loss"
"""

CELLS = {  # name: the cell's source (the names are only for the messages)
    "graph": GRAPH + "len(model.parameters())",
    "pass": "s = loss.backward_steps(); s",
    "table": "s.table()",
    "print_backward": "print_backward(loss)",
    "stepped": "for _ in range(5000): next(s)\ns",
    "stepped table": "s.table()",
    "finished": "s.run(); s",
    "steps": "s.steps",
    "draw": "draw(loss)",
    "model": "model",
}
STEPS = 122_100


def python_pass() -> BackwardPass:
    """The same graph built here, its pass stepped to the end by the Python stepper."""
    space: dict = {}
    exec(GRAPH, space)
    p = space["loss"].backward_steps()
    p.run()
    return p


@pytest.fixture(scope="module")
def expected() -> BackwardPass:
    p = python_pass()
    assert p.total == STEPS  # the graph of the review
    return p


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """The cells run by a real ipykernel (this Python, so this stepgrad)."""
    nb = run_cells(CELLS.values(), tmp_path_factory.mktemp("big-notebook"), timeout=600)
    return dict(zip(CELLS, nb.cells, strict=True))


def outputs(notebook, name: str) -> list[dict]:
    cell = notebook[name]
    assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
    return cell.outputs


def result(notebook, name: str) -> dict:
    found = [o for o in outputs(notebook, name) if o.output_type == "execute_result"]
    assert len(found) == 1, outputs(notebook, name)
    return found[0]["data"]


def size(output: dict) -> int:
    if output["output_type"] == "stream":
        return len(output["text"])
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v))
               for v in output.get("data", {}).values())


def test_every_output_of_the_big_graph_is_smaller_than_1_mb(notebook):
    for name in CELLS:
        for output in outputs(notebook, name):
            assert size(output) < MAX_OUTPUT, (name, output["output_type"], size(output))
    # and the cells did what they should: the pass went to the end
    assert "step 122100/122100" in result(notebook, "finished")["text/plain"]


def step_lines(text: str) -> list[str]:
    """The rows of a text table of steps (those that start with a step number)."""
    return [line for line in text.splitlines() if re.match(r"\d+ ", line)]


def rows_of(p: BackwardPass, indexes) -> list[str]:
    """The rows the tables should show for these steps (numbers from the stepper)."""
    from stepgrad.stepping import short

    return [" ".join([str(s.index), f"{s.node_name} = {s.formula}", s.input_name,
                      short(s.upstream), short(s.local), short(s.contribution),
                      short(s.input_grad)]) for s in (p.steps[i - 1] for i in indexes)]


def squeeze(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines]


def test_print_backward_shows_the_first_and_last_steps_of_the_stepper(notebook, expected):
    text = "".join(o["text"] for o in outputs(notebook, "print_backward")
                   if o["output_type"] == "stream")
    lines = step_lines(text)
    assert len(lines) == ROWS
    assert squeeze(lines) == rows_of(expected, [*range(1, 101), *range(STEPS - 99, STEPS + 1)])
    assert (f"...   {STEPS - ROWS:,} steps not shown (limit 200): print_backward(..., "
            "limit=None) shows them all, or step one neuron at a time (README: Big graphs)"
            in text)


def test_a_table_shows_the_first_and_last_steps_and_where_the_pass_is(notebook, expected):
    text = result(notebook, "table")["text/plain"]  # the pass not started: 1-100, last 100
    assert squeeze(step_lines(text)) == rows_of(
        expected, [*range(1, 101), *range(STEPS - 99, STEPS + 1)])
    assert f"steps 1-{STEPS} are not done yet" in text
    # at step 5000: the first 50, the 50 before and the 50 after the step reached, the last 50
    text = result(notebook, "stepped table")["text/plain"]
    shown = [*range(1, 51), *range(4951, 5051), *range(STEPS - 49, STEPS + 1)]
    assert squeeze(step_lines(text)) == rows_of(expected, shown)
    lines = text.splitlines()
    note = lines.index(f"...   steps 5001-{STEPS} are not done yet: next() does them one at a time")
    assert lines[note - 1].startswith("5000 ") and lines[note + 1].startswith("5001 ")
    assert sum("steps not shown (limit 200)" in line for line in lines) == 2
    html = result(notebook, "stepped table")["text/html"]
    notes = re.findall(r'<td colspan="7"[^>]*><i>(.*?)</i>', html)
    assert len(notes) == 3 and "steps not shown (limit 200)" in notes[0]  # as in the text
    assert html.count("<tr>") == 1 + len(shown) + len(notes)


def test_a_big_pass_in_a_notebook_says_how_to_see_its_walkthrough(notebook, expected):
    for name in ("pass", "stepped", "finished"):
        html = result(notebook, name)["text/html"]
        assert "<iframe" not in html
        assert f"this pass has {STEPS:,} steps" in html
        assert "walkthrough(loss, &#x27;loss.html&#x27;)" in html
    html = result(notebook, "finished")["text/html"]
    assert f"The {STEPS:,} steps so far, as a table" in html
    cells = re.findall(r"<tr>(.*?)</tr>", html)
    first = re.findall(r"<td[^>]*>(.*?)</td>", cells[1])
    last = re.findall(r"<td[^>]*>(.*?)</td>", cells[-1])
    assert html_module.unescape(" ".join(first)) == rows_of(expected, [1])[0]
    assert html_module.unescape(" ".join(last)) == rows_of(expected, [STEPS])[0]


def test_the_list_of_steps_shows_its_first_and_last_steps(notebook, expected):
    text = result(notebook, "steps")["text/plain"]
    lines = text.splitlines()
    assert lines[0] == "[" + repr(expected.steps[0]) + ","
    assert lines[-1] == " " + repr(expected.steps[-1]) + "]"
    assert f"{STEPS - ROWS:,} steps not shown (limit 200)" in text


def test_a_grouped_drawing_says_what_it_is(notebook):
    text = result(notebook, "draw")["text/plain"]
    assert text.startswith("<stepgrad drawing of loss: 64,738 values, grouped by neuron into ")
