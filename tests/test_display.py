"""How stepgrad's objects show themselves in a notebook: every `_repr_html_` is well-formed
HTML with the learner's labels escaped, a BackwardPass gives its walkthrough in a sandboxed
iframe with a table of its steps as the fallback, and the display never raises.

The notebook itself (a real kernel, the exported page in Chromium) is tested in
tests/test_notebook_display.py."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from expressions import expressions, input_lists, run_values, show
from graphs import neuron
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stepgrad import BackwardPass, Value, draw, gradcheck
from stepgrad import display as display_module
from stepgrad.display import StepTable, pass_mimebundle
from stepgrad.nn import MLP, Layer, Module, Neuron, Perceptron, and_gate, xor
from stepgrad.stepping import short
from stepgrad.walkthrough import walkthrough_data, walkthrough_html

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")

# Labels are the learner's text: any of these must come out as the same text, never as markup.
HOSTILE = ['<script>alert("x")</script>', '"quotes" & \'apostrophes\'', "</iframe><b>bold",
           "%%DATA%%", "%%SVG%%", "%%TITLE%%", "<!-- a", "&amp; x\u00a0y", "</td></tr></table>"]


# ----- a strict reader of the HTML --------------------------------------------------------

VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}
ALLOWED = {"div", "b", "i", "code", "table", "thead", "tbody", "tr", "th", "td", "details",
           "summary", "iframe"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag, self.attrs, self.children = tag, attrs, []  # children: Elements and strs

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str) -> list[Element]:
        found = []
        for c in self.children:
            if isinstance(c, Element):
                if c.tag == tag:
                    found.append(c)
                found.extend(c.find_all(tag))
        return found


class StrictParser(HTMLParser):
    """Builds a tree and fails on anything a well-formed fragment would not have."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"repeated attribute in <{tag}>: {names}"
        el = Element(tag, dict(attrs))
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_endtag(self, tag):
        assert len(self.stack) > 1 and self.stack[-1].tag == tag, \
            f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def handle_comment(self, data):
        raise AssertionError(f"a comment in the output: {data!r}")

    def handle_decl(self, decl):
        raise AssertionError(f"a declaration in the output: {decl!r}")


def parse(fragment: str) -> Element:
    """The fragment as a tree; only the small set of tags display.py uses may appear."""
    parser = StrictParser()
    parser.feed(fragment)
    parser.close()
    assert parser.stack == [parser.root], f"unclosed: {[e.tag for e in parser.stack[1:]]}"

    def check(el: Element) -> None:
        for c in el.children:
            if isinstance(c, Element):
                assert c.tag in ALLOWED, f"unexpected <{c.tag}>"
                check(c)
    check(parser.root)
    return parser.root


def tables(fragment: str) -> list[list[list[str]]]:
    """Every table in the fragment, as rows of cell texts (header row first)."""
    return [[[cell.text() for cell in row.children if isinstance(cell, Element)]
             for row in table.find_all("tr")]
            for table in parse(fragment).find_all("table")]


def stepped(root: Value, k: int) -> BackwardPass:
    p = root.backward_steps()
    for _ in range(k):
        next(p)
    return p


def evil_graph() -> Value:
    """x * y + tanh(x) with hostile labels on every value."""
    x, y = Value(0.5, label=HOSTILE[0]), Value(-2.0, label=HOSTILE[1])
    m = x * y; m.label = HOSTILE[2]  # noqa: E702
    t = x.tanh(); t.label = HOSTILE[3]  # noqa: E702
    out = m + t; out.label = HOSTILE[4]  # noqa: E702
    return out


# ----- values, steps, tables --------------------------------------------------------------

def test_value_shows_label_data_grad_and_how_it_was_computed():
    a, b = Value(2.0, label="a"), Value(-3.0)
    c = a * b; c.label = "c"  # noqa: E702
    assert tables(a._repr_html_()) == [[
        ["Value", "data", "grad", "computed as"],
        ["a", "2", "? (no backward pass yet)", "an input (a leaf)"]]]
    assert tables(c._repr_html_())[0][1] == ["c", "-6", "? (no backward pass yet)", "a * -3"]
    c.backward()
    assert tables(c._repr_html_())[0][1][2] == "1"
    assert tables(a._repr_html_())[0][1][2] == "-3"
    assert tables(b._repr_html_())[0][1][0] == "(no label)"
    assert tables(a.tanh()._repr_html_())[0][1][3] == "tanh(a)"


@pytest.mark.parametrize("label", HOSTILE)
def test_value_labels_are_text_not_markup(label):
    v = Value(1.0, label=label)
    w = v * 2; w.label = label  # noqa: E702
    assert tables(v._repr_html_())[0][1][0] == label
    assert tables(w._repr_html_())[0][1][3] == f"{label} * 2"


def test_step_reads_like_the_walkthrough_page():
    p = stepped(neuron(), 1)
    s = p.current
    tree = parse(s._repr_html_())
    text = tree.text()
    assert text == ("step 1: o = tanh(n): upstream 1 × local 0.5 = 0.5, added to n.grad, "
                    "now 0.5")
    assert [b.text() for b in tree.find_all("b")] == ["o = tanh(n)", "1", "0.5", "0.5", "0.5"]


def test_step_with_hostile_labels():
    p = stepped(evil_graph(), 1)
    text = parse(p.current._repr_html_()).text()
    assert f"{HOSTILE[4]} = {HOSTILE[2]} + {HOSTILE[3]}" in text
    assert f"added to {HOSTILE[2]}.grad" in text


def test_table_is_the_same_str_and_shows_as_an_html_table(capsys):
    p = neuron().backward_steps()
    text = p.table()
    assert type(text) is StepTable and isinstance(text, str)
    plain = str.__str__(text)
    assert type(plain) is str and text == plain and plain == text and hash(text) == hash(plain)
    assert f"{text}" == plain and text.splitlines()[0].startswith("step  node = formula")
    assert repr(text) == plain  # the Python prompt shows the table, not a quoted line of \n
    print(text)
    assert capsys.readouterr().out == plain + "\n"
    rows = tables(text._repr_html_())[0]
    assert rows[0] == ["step", "node = formula", "input", "upstream", "local", "contribution",
                       "input grad"]
    # the HTML cells are the text table's cells (no cell of this table has two spaces in it)
    # (the line before the steps not done yet is "...   <note>" in text, one wide cell in HTML)
    text_rows = [re.split(r"\s{2,}", line) for line in plain.splitlines()[2:]]
    assert rows[1:] == [row[1:] if row[0] == "..." else row for row in text_rows]
    assert rows[1] == ["steps 1-9 are not done yet: next() does them one at a time"]
    again = pickle.loads(pickle.dumps(text))
    assert again == text and tables(again._repr_html_()) == tables(text._repr_html_())


REPL_SESSION = """\
from stepgrad import Value
from stepgrad.grouped_pass import GroupedPass
x = Value(2.0, label="x"); w = Value(-3.0, label="w")
y = (x * w).tanh(); y.label = "y"
steps = y.backward_steps(); _ = next(steps)
steps.table()
from stepgrad.nn import MLP
GroupedPass(MLP(2, [2, 1], seed=0)([1.0, 2.0]), "neuron").table()
"""


def test_tables_show_as_tables_at_the_python_prompt():
    """A learner types `steps.table()` at the prompt without print(): the REPL shows repr(),
    which must be the table's lines, not one quoted string with \\n in it."""
    out = subprocess.run([sys.executable, "-i", "-q"], input=REPL_SESSION, capture_output=True,
                         text=True, timeout=120, cwd=Path(__file__).parent)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("step  node = formula") and lines[1].startswith("----  ")
    assert lines[2].startswith("1     y = tanh(v1)")
    assert "...   steps 2-3 are not done yet: next() does them one at a time" in lines
    grouped = lines.index(next(line for line in lines if line.startswith("step  through")))
    assert grouped > 2 and lines[grouped + 1].startswith("----")
    assert "'" not in out.stdout and "\\n" not in out.stdout  # nothing quoted


def test_a_grouped_pass_table_is_a_str_that_shows_itself():
    from stepgrad.grouped_pass import GroupedPass

    table = GroupedPass(MLP(2, [2, 1], seed=0)([1.0, 2.0]), "neuron").table()
    assert isinstance(table, str) and repr(table) == str.__str__(table)
    assert table.splitlines()[0].startswith("step  through") and table == str.__str__(table)
    assert pickle.loads(pickle.dumps(table)) == table


def test_table_html_escapes_labels():
    p = evil_graph().backward_steps()
    p.run()
    rows = tables(p.table()._repr_html_())[0][1:]
    assert [r[2] for r in rows] == [s.input_name for s in p.steps]
    assert rows[0][1] == f"{HOSTILE[4]} = {HOSTILE[2]} + {HOSTILE[3]}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=st.lists(st.text(max_size=12).filter(str.isprintable), min_size=3, max_size=3),
       expr=expressions, xs=input_lists)
def test_any_label_round_trips_through_the_html(labels, expr, xs):
    made = run_values(expr, xs)
    assume(made is not None)
    out, leaves = made
    for leaf, label in zip(leaves, labels, strict=True):
        leaf.label = label
    p = out.backward_steps()
    p.run()
    rows = tables(display_module.steps_table_html(p.steps))[0][1:]
    assert [(r[2], r[6]) for r in rows] == [(s.input_name, short(s.input_grad))
                                            for s in p.steps], show(expr)
    for leaf, label in zip(leaves, labels, strict=True):
        assert tables(leaf._repr_html_())[0][1][0] == (label or "(no label)")


# ----- gradcheck, networks, the perceptron -------------------------------------------------

def test_gradcheck_result_is_a_verdict_and_a_table():
    ok = gradcheck(lambda w, x: w * x * x + w, 0.5, -2.0)
    tree = parse(ok._repr_html_())
    assert tree.find_all("b")[0].text() == str(ok).splitlines()[0]
    rows = tables(ok._repr_html_())[0]
    assert rows[0][:4] == ["input", "name", "at", "engine says"]
    assert [r[:5] + r[7:] for r in rows[1:]] == [["1", "w", "0.5", "5", "5", "yes"],
                                                 ["2", "x", "-2", "-2", "-2", "yes"]]

    def bad_square(x):
        return Value(x.data * x.data, "", (x,), (x.data,), "bad square")
    bad = gradcheck(lambda w, x: bad_square(w) * x, 3.0, -2.0, labels=["<w>", "x&"])
    rows = tables(bad._repr_html_())[0]
    assert rows[1][1] == "<w>" and rows[1][3:5] == ["-6", "-12"] and rows[1][7] == "NO"
    assert rows[2][1] == "x&" and rows[2][7] == "yes"
    assert "FAILED" in parse(bad._repr_html_()).find_all("b")[0].text()


def test_mlp_shows_its_layers_and_parameters():
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    tree = parse(model._repr_html_())
    assert tree.find_all("b")[0].text() == repr(model)
    layers, params = tables(model._repr_html_())
    assert layers == [["layer", "shape", "parameters"], ["1", "Layer(2 -> 3, tanh)", "9"],
                      ["2", "Layer(3 -> 1, sigmoid)", "4"]]
    named = model.named_parameters()
    assert params[0] == ["name", "data", "grad"] and len(params) == 1 + len(named) == 14
    assert params[1] == [named[0][0], display_module._show(named[0][1].data), "?"]
    assert "open" not in tree.find_all("details")[0].attrs  # 13 parameters: folded
    model([1.0, 0.0]).backward()
    grads = [row[2] for row in tables(model._repr_html_())[1][1:]]
    assert grads == [display_module._show(p.grad) for _, p in named]
    small = parse(Neuron(2, seed=0)._repr_html_())
    assert "open" in small.find_all("details")[0].attrs
    assert tables(Layer(2, 2, seed=0)._repr_html_())[0][0] == ["name", "data", "grad"]


def test_any_module_shows_itself():
    class Line(Module):
        def __init__(self):
            self.a = Value(2.0, label="<a>")

        def parameters(self):
            return [self.a]

    rows = tables(Line()._repr_html_())
    assert rows == [[["name", "data", "grad"], ["<a>", "2", "?"]]]
    assert tables(Module()._repr_html_()) == []


def test_perceptron_result_says_what_happened():
    done = Perceptron(2).fit(*and_gate())
    tree = parse(done._repr_html_())
    assert tree.find_all("b")[0].text() == done.message
    rows = dict(tables(done._repr_html_())[0][1:])
    assert rows["converged"] == "yes" and rows["epochs"] == str(done.epochs)
    assert rows["mistakes per epoch"] == ", ".join(map(str, done.mistakes))
    stuck = Perceptron(2).fit(*xor(), max_epochs=100)
    rows = dict(tables(stuck._repr_html_())[0][1:])
    assert rows["converged"] == "no" and rows["best accuracy (kept)"] == "75%"
    m = stuck.mistakes
    assert rows["mistakes per epoch"] == (", ".join(map(str, m[:10])) + ", ... (85 more), "
                                          + ", ".join(map(str, m[-5:])))


# ----- a backward pass -----------------------------------------------------------------------

def frame_of(fragment: str) -> Element | None:
    frames = parse(fragment).find_all("iframe")
    assert len(frames) <= 1
    return frames[0] if frames else None


@needs_dot
@pytest.mark.parametrize("k", [0, 3, 9])
def test_pass_shows_its_walkthrough_in_a_sandboxed_frame(k):
    p = stepped(neuron(), k)
    html = p._repr_mimebundle_()["text/html"]
    frame = frame_of(html)
    assert frame is not None and frame.attrs["sandbox"] == "allow-scripts"  # no same-origin
    page = frame.attrs["srcdoc"]
    assert page.startswith(walkthrough_html(p.root)[:200])
    assert re.search(r"default-src 'none';[^\"]*script-src 'unsafe-inline'", page)
    data = json.loads(re.search(r'id="data">(.*?)</script>', page, re.S).group(1))
    fresh = stepped(neuron(), 9)
    assert [s["line"] for s in data["steps"]] == [repr(s) for s in fresh.steps]
    assert [s["line"] for s in data["steps"][:k]] == [repr(s) for s in p.steps]
    start = re.findall(r's\.value = "(\d+)"', page)
    assert start == ([str(k)] if k else [])
    height = int(re.search(r"height:(\d+)px", frame.attrs["style"]).group(1))
    svg_pt = float(re.search(r'<svg[^>]*?height="([0-9.]+)pt"', page).group(1))
    assert height == round(svg_pt * 4 / 3) + display_module.FRAME_CHROME_PX
    caption = parse(html).find_all("div")[1].text()
    assert caption.startswith(f"Backward pass of o: step {k} of 9")
    details = parse(html).find_all("details")
    if k:
        assert tables(html)[0][1:] == tables(display_module.steps_table_html(p.steps))[0][1:]
        assert len(tables(html)[0]) == k + 1
    else:
        assert details == [] and tables(html) == []


@needs_dot
def test_displaying_a_pass_leaves_it_and_its_graph_as_they_were():
    p = stepped(neuron(), 4)
    before = [(v, v._grad) for v in p.order]
    p._repr_mimebundle_()
    assert [(v, v._grad) for v in p.order] == before and len(p.steps) == 4
    rest = [repr(s) for s in p]
    assert rest == [repr(s) for s in stepped(neuron(), 9).steps[4:]]


@needs_dot
def test_pass_with_hostile_labels_keeps_one_frame_and_its_data():
    p = stepped(evil_graph(), 2)
    html = p._repr_mimebundle_()["text/html"]
    frame = frame_of(html)
    page = frame.attrs["srcdoc"]
    assert page.count("<svg") == 1 and page.count('id="data"') == 1
    data = json.loads(re.search(r'id="data">(.*?)</script>', page, re.S).group(1))
    assert [n["name"] for n in data["nodes"]] == [p.names[v] for v in p.order]
    assert data["steps"][1]["line"] == repr(p.steps[1])
    assert [s.tag for s in parse(html).find_all("iframe")] == ["iframe"]
    assert parse(html).find_all("div")[1].text().startswith(f"Backward pass of {HOSTILE[4]}:")


def test_placeholders_in_labels_are_only_text_on_the_page():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's `dot` program is not installed")
    x = Value(2.0, label="%%SVG%%")
    y = x * x; y.label = "%%DATA%%"  # noqa: E702
    page = walkthrough_html(y, title="%%TITLE%% and %%SVG%%")
    assert page.count("<svg") == 1 and page.count('id="data"') == 1
    assert "<title>%%TITLE%% and %%SVG%%</title>" in page
    data = json.loads(re.search(r'id="data">(.*?)</script>', page, re.S).group(1))
    assert data == json.loads(json.dumps(walkthrough_data(y)))


def test_pass_text_is_its_repr_and_the_steps_so_far():
    p = neuron().backward_steps()
    assert pass_mimebundle(p, include={"text/plain"}) == {"text/plain": repr(p)}
    for _ in range(3):
        next(p)
    text = pass_mimebundle(p, include={"text/plain"})["text/plain"]
    lines = text.splitlines()
    assert lines[0] == repr(p) and len(lines) == 1 + 2 + 3
    assert re.split(r"\s{2,}", lines[1]) == list(display_module.STEP_HEADER)
    assert [re.split(r"\s{2,}", line) for line in lines[3:]] == [
        list(display_module._step_cells(s)) for s in p.steps]
    long = stepped(neuron(), 0)
    long.steps.extend(stepped(neuron(), 9).steps * 3)  # 27 "steps": only the last 20 shown
    text = pass_mimebundle(long, include={"text/plain"})["text/plain"]
    assert "(7 earlier steps not shown: they are in .steps)" in text
    assert len(text.splitlines()) == 1 + 1 + 2 + 20


def test_no_html_is_built_when_the_frontend_will_not_show_it(monkeypatch):
    def refuse(*_):
        raise AssertionError("the page was built")

    monkeypatch.setattr(display_module, "pass_html", refuse)
    p = stepped(neuron(), 2)
    assert set(pass_mimebundle(p, include=["text/plain"])) == {"text/plain"}
    assert set(pass_mimebundle(p, exclude=["text/html"])) == {"text/plain"}


def test_terminal_ipython_does_not_build_the_page(tmp_path):
    """In IPython's terminal the HTML formatter is off: `p` prints text, builds no page."""
    pytest.importorskip("IPython")
    code = (
        "import stepgrad.display as d\n"
        "d.pass_html = lambda p: print('BUILT THE PAGE')\n"
        "from stepgrad import Value\n"
        "x = Value(2.0, label='x'); y = x * x; y.label = 'y'\n"
        "p = y.backward_steps(); next(p)\n"
        "p\n"
    )
    env = {**os.environ, "IPYTHONDIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--simple-prompt", "--no-banner",
         "--HistoryManager.enabled=False", "-c", code],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "BUILT THE PAGE" not in out.stdout
    assert "<BackwardPass of y: step 1/2" in out.stdout
    assert "1     y = x * x       x      1         2      2             2" in out.stdout


def test_ipython_formats_each_object_with_its_html():
    formatters = pytest.importorskip("IPython.core.formatters")
    f = formatters.DisplayFormatter()
    p = stepped(neuron(), 2)
    objects = [p.root, p.current, gradcheck(lambda a: a * a, 3.0), MLP(2, [2, 1]),
               Perceptron(2).fit(*and_gate())]
    for obj in objects:
        data, _ = f.format(obj)
        assert data["text/plain"] == repr(obj)
        assert data["text/html"] == obj._repr_html_()
    table = p.table()
    data, _ = f.format(table)
    assert data["text/plain"] == str(table) and "<table>" in data["text/html"]
    data, _ = f.format(p)
    assert data == pass_mimebundle(p)


def test_without_dot_the_pass_shows_its_table(monkeypatch):
    monkeypatch.setenv("PATH", "")
    p = stepped(neuron(), 3)
    html = p._repr_mimebundle_()["text/html"]
    assert frame_of(html) is None
    assert "needs Graphviz's `dot` program" in parse(html).text()
    assert "open" in parse(html).find_all("details")[0].attrs
    assert tables(html)[0][1:] == [list(display_module._step_cells(s)) for s in p.steps]


def test_a_failing_page_is_a_message_not_an_exception(monkeypatch):
    def broken(*_, **__):
        raise RuntimeError("dot crashed <badly>")

    monkeypatch.setattr(sys.modules["stepgrad.walkthrough"], "walkthrough_html", broken)
    monkeypatch.setattr(shutil, "which", lambda _: "/usr/bin/dot")
    p = stepped(neuron(), 1)
    html = p._repr_mimebundle_()["text/html"]
    assert frame_of(html) is None
    assert "the walkthrough could not be made: dot crashed <badly>" in parse(html).text()
    assert len(tables(html)[0]) == 2


def test_without_the_graphviz_package_the_pass_shows_its_table(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.setattr(sys.modules["stepgrad.draw"], "_graph_class", None)
    monkeypatch.setattr(shutil, "which", lambda _: "/usr/bin/dot")
    html = stepped(neuron(), 2)._repr_mimebundle_()["text/html"]
    assert frame_of(html) is None and "pip install graphviz" in parse(html).text()


@needs_dot
def test_a_pass_that_adds_to_old_gradients_is_not_shown_as_a_fresh_one():
    o = neuron()
    o.backward()  # the leaves keep their gradients: a second pass adds to them
    p = stepped(o, 3)
    html = p._repr_mimebundle_()["text/html"]
    assert frame_of(html) is None
    assert "zero_grad()" in parse(html).text()
    assert tables(html)[0][1:] == [list(display_module._step_cells(s)) for s in p.steps]
    for leaf in p.order:
        if not leaf.inputs:
            leaf.zero_grad()
    assert frame_of(stepped(o, 3)._repr_mimebundle_()["text/html"]) is not None


@settings(max_examples=40, deadline=None)
@given(expr=expressions, xs=input_lists, k=st.integers(0, 40),
       old=st.lists(st.sampled_from([None, 0.0, -0.0, 1.0, -2.5, 1e-300]), min_size=3,
                    max_size=3))
def test_the_frame_is_shown_only_when_its_numbers_are_the_passes(expr, xs, k, old):
    """Whatever the leaves held before the pass: when the display decides the pass started
    from scratch, the page's steps (a fresh pass) are exactly the pass's own steps."""
    made = run_values(expr, xs)
    assume(made is not None)
    out, leaves = made
    for leaf, g in zip(leaves, old, strict=True):
        leaf._grad = g
    p = out.backward_steps()
    for _ in range(min(k, p.total)):
        next(p)
    fresh = display_module._starts_from_scratch(p)
    if fresh and p.total:
        try:
            data = walkthrough_data(out, out.grad)
            p.run()
        except OverflowError:
            return
        assert [s["line"] for s in data["steps"]] == [repr(s) for s in p.steps], show(expr)
    reached = {s.input for s in p.steps}
    if all(g in (None, 0.0) for leaf, g in zip(leaves, old, strict=True)
           if leaf in set(p.order)):
        assert fresh, show(expr)
    elif any(g not in (None, 0.0) and leaf in set(p.order) and leaf not in reached
             for leaf, g in zip(leaves, old, strict=True)):
        assert not fresh, show(expr)


def test_a_pass_over_a_lone_value_has_no_frame_and_no_table():
    p = Value(3.0, label="c").backward_steps()
    html = p._repr_mimebundle_()["text/html"]
    assert frame_of(html) is None and tables(html) == []
    assert "no steps: it depends on nothing" in parse(html).text()


# ----- drawings and imports ----------------------------------------------------------------

def test_drawing_says_what_it_is_and_still_renders_in_jupyter():
    pytest.importorskip("graphviz")
    o = neuron()
    g = draw(o)
    assert repr(g) == ("<stepgrad drawing of o: 10 values; display it in a notebook, "
                       "or .render('graph', format='svg')>")
    assert repr(draw(Value(1.0))).startswith("<stepgrad drawing of v1: 1 value;")
    if shutil.which("dot") is not None:
        bundle = g._repr_mimebundle_()
        assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
        formatters = pytest.importorskip("IPython.core.formatters")
        data, _ = formatters.DisplayFormatter().format(g)
        assert data["text/plain"] == repr(g) and "<svg" in data["image/svg+xml"]


def test_import_stepgrad_does_not_load_the_display_module():
    code = "import sys, stepgrad, stepgrad.nn; print('stepgrad.display' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
