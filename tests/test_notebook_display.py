"""A notebook run by a real Jupyter kernel (nbclient), exported to HTML (nbconvert) and opened
in headless Chromium: the BackwardPass it displays plays in its own frame, opens at the step
the pass had reached, steps when its buttons are clicked with the Python stepper's numbers at
every step, and ignores keys typed anywhere outside it.

The export uses nbconvert's own "lab" template, as a teacher would. That template loads
require.js and MathJax from a CDN; the browser here has no network, and every request that
is not the file itself is refused and recorded: the walkthrough must work without them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser import browser_skip_reason, chromium
from kernel import run_cells

from stepgrad import BackwardPass
from stepgrad.stepping import short

for module in ("nbformat", "nbclient", "nbconvert", "ipykernel"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[test]')")

SKIP = browser_skip_reason()

EVIL = '</iframe><script>parent.document.title="hacked"; alert(1)</script>"%%DATA%%'

# The graph: the README's neuron, with a hostile label on x2. The test process runs the same
# source to get the same graph, and steps it with the Python stepper for the expected numbers.
GRAPH = f"""\
from stepgrad import Value
x1 = Value(2.0, label="x1"); x2 = Value(0.0, label={EVIL!r})
w1 = Value(-3.0, label="w1"); w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1; x1w1.label = "x1*w1"
x2w2 = x2 * w2; x2w2.label = "x2*w2"
n = x1w1 + x2w2 + b; n.label = "n"
o = n.tanh(); o.label = "o"
"""

CELLS = [
    GRAPH,
    "p = o.backward_steps()\nfor _ in range(3):\n    next(p)\np",  # the pass at step 3
    "next(p); next(p)\np",  # the same pass, displayed again at step 5
    "o",
    "p.current",
    "p.table()",
]
TOTAL = 9


def python_pass(k: int) -> BackwardPass:
    """A fresh copy of the notebook's graph, stepped k times in Python."""
    space: dict = {}
    exec(GRAPH, space)
    p = space["o"].backward_steps()
    for _ in range(k):
        next(p)
    return p


# ----- running and exporting the notebook --------------------------------------------------

@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """The notebook executed by a real ipykernel (this Python, so this stepgrad)."""
    import nbformat

    nb = run_cells(CELLS, tmp_path_factory.mktemp("notebook"))
    nbformat.validate(nb)
    return nb


@pytest.fixture(scope="module")
def exported(notebook, tmp_path_factory) -> Path:
    """The executed notebook as one HTML file, by nbconvert's default (lab) template."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    path = tmp_path_factory.mktemp("export") / "notebook.html"
    path.write_text(body, encoding="utf-8")
    return path


def output(nb, cell: int) -> dict:
    outs = [o for o in nb.cells[cell].outputs if o.output_type == "execute_result"]
    assert len(outs) == 1, nb.cells[cell].outputs
    return outs[0]["data"]


def test_the_kernel_gives_each_object_html_and_text(notebook):
    for cell, k in ((1, 3), (2, 5)):
        data = output(notebook, cell)
        assert data["text/plain"].splitlines()[0] == repr(python_pass(k))
        assert data["text/html"].count("<iframe") == 1
        assert 'sandbox="allow-scripts"' in data["text/html"]
    p = python_pass(5)
    assert output(notebook, 3)["text/html"] == p.root._repr_html_()
    assert output(notebook, 4)["text/html"] == p.current._repr_html_()
    table = output(notebook, 5)
    assert table["text/plain"] == str(python_pass(5).table())  # the pass at step 5, unquoted
    assert table["text/html"].startswith("<table>")


# ----- the exported page in Chromium -------------------------------------------------------

READ = """() => {
  const data = JSON.parse(document.getElementById("data").textContent);
  const name = (id) => data.nodes.find((n) => n.id === id).name;
  const grad = (n) => [...document.getElementById(n.id).querySelectorAll("text")].pop();
  return {
    step: Number(document.body.dataset.step),
    counter: document.getElementById("counter").textContent,
    line: document.getElementById("line").textContent,
    grads: Object.fromEntries(data.nodes.map((n) => [n.name, grad(n).textContent])),
    dim: data.nodes.filter((n) => document.getElementById(n.id).classList.contains("unreached"))
                   .map((n) => n.name).sort(),
    lit: [...document.querySelectorAll("g.node.hl:not(.op)")].map((e) => name(e.id)).sort(),
  };
}"""


def expected(p: BackwardPass) -> dict:
    """What the frame must show at the step the Python pass `p` has reached."""
    k = len(p.steps)
    names = p.names
    return {
        "step": k,
        "counter": f"step {k} / {p.total}",
        "line": repr(p.current) if k else "",
        "grads": {names[v]: "grad " + (short(v._grad) if k and v in p.reached else "?")
                  for v in p.order},
        "dim": sorted(names[v] for v in p.order if k and v not in p.reached),
        "lit": sorted({names[p.current.node], names[p.current.input]}) if k else [],
    }


@pytest.fixture(scope="module")
def browser():
    if SKIP:
        pytest.skip(SKIP)
    with chromium() as b:
        yield b


@pytest.fixture
def opened(browser, exported):
    """The exported notebook in a fresh page; nothing may leave the machine."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    refused: list[tuple[str, bool]] = []  # (url, asked for by a walkthrough frame)

    def refuse(route):
        frame = route.request.frame
        refused.append((route.request.url, frame.url == "about:srcdoc"))
        route.abort()

    page.route(re.compile(r"^(?!file:|data:|about:)"), refuse)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(exported.as_uri())
    title = page.title()
    yield page
    assert dialogs == [] and page.title() == title != "hacked"
    assert not [url for url, from_frame in refused if from_frame], refused
    # only the template's own CDN scripts were asked for (and refused): nothing of ours
    assert all(url.startswith("https://cdnjs.cloudflare.com/") for url, _ in refused), refused
    assert [e for e in errors if "require" not in e and "define" not in e] == [], errors
    page.close()


def frames(page) -> list:
    """The walkthrough frames, in the order of the notebook's outputs."""
    handles = page.query_selector_all("iframe.stepgrad-walkthrough")
    found = [h.content_frame() for h in handles]
    for frame in found:
        frame.wait_for_selector("body[data-step]")
    return found


def state(frame) -> dict:
    return frame.evaluate(READ)


def test_each_frame_opens_where_its_pass_was(opened):
    first, second = frames(opened)
    assert state(first) == expected(python_pass(3))
    assert state(second) == expected(python_pass(5))
    assert EVIL in state(first)["grads"]  # the hostile label is a name like any other


def test_the_buttons_step_with_the_python_steppers_numbers(opened):
    frame = frames(opened)[0]
    frame.click("#first")
    p = python_pass(0)
    assert state(frame) == expected(p)
    for _ in range(TOTAL):
        frame.click("#next")
        next(p)
        assert state(frame) == expected(p)
    assert frame.is_disabled("#next") and frame.is_disabled("#last")
    frame.click("#prev")
    assert state(frame) == expected(python_pass(TOTAL - 1))
    frame.click("#first")
    frame.click("#last")
    assert state(frame) == expected(python_pass(TOTAL))
    assert state(frames(opened)[1])["step"] == 5  # the other output did not move


def test_keys_typed_outside_the_frame_do_not_step_it(opened):
    first, second = frames(opened)
    opened.click("body", position={"x": 5, "y": 5})  # the notebook, not a frame
    for key in ("ArrowRight", "ArrowLeft", "End", "Home", " ", "0"):
        opened.keyboard.press(key)
    assert (state(first)["step"], state(second)["step"]) == (3, 5)
    # typing in another cell: a text box in the notebook page
    opened.evaluate("""() => { const t = document.createElement("textarea");
        t.id = "another-cell"; document.body.prepend(t); }""")
    opened.click("#another-cell")
    opened.keyboard.type("x = 1")
    for key in ("ArrowRight", "ArrowRight", "End"):
        opened.keyboard.press(key)
    assert opened.input_value("#another-cell") == "x = 1"  # the keys were really typed
    assert (state(first)["step"], state(second)["step"]) == (3, 5)
    # inside the frame the same keys do step it, and only it
    first.click("#graph")
    opened.keyboard.press("ArrowRight")
    assert (state(first)["step"], state(second)["step"]) == (4, 5)
    assert state(first) == expected(python_pass(4))
    opened.click("#another-cell")
    opened.keyboard.press("ArrowRight")
    assert state(first)["step"] == 4


def test_the_frame_is_isolated_and_offline(opened):
    frame = frames(opened)[0]
    # the page's elements and styles stay in the frame
    assert opened.evaluate("() => document.getElementById('scrub')") is None
    assert opened.evaluate("() => getComputedStyle(document.body).backgroundColor") != \
        frame.evaluate("() => getComputedStyle(document.body).backgroundColor")
    # the frame cannot reach the notebook (a sandbox without allow-same-origin)
    assert frame.evaluate("""() => { try { return parent.document.title; }
                                     catch (e) { return e.name; } }""") == "SecurityError"
    # the page's own Content-Security-Policy holds inside srcdoc: inline script runs (the
    # page works), and any request is refused by the policy before it is made
    violated = frame.evaluate("""() => new Promise((done) => {
        document.addEventListener("securitypolicyviolation",
                                  (e) => done(e.effectiveDirective), {once: true});
        fetch("https://example.com/x").catch(() => {});
        setTimeout(() => done("no violation"), 3000); })""")
    assert violated == "connect-src"


def test_the_frame_is_sized_to_its_graph(opened):
    frame = frames(opened)[0]
    size = frame.evaluate("""() => { const pane = document.getElementById("pane");
        const svg = document.querySelector("#graph svg").getBoundingClientRect();
        return {pane: pane.clientHeight, scroll: pane.scrollHeight, svg: svg.height,
                window: innerHeight}; }""")
    assert size["scroll"] <= size["pane"], size  # the whole graph shows without scrolling
    assert size["pane"] - size["svg"] < 200, size  # and without a screenful of empty space
    # measured once the frame is laid out: each gradient sits in the middle of its box
    off = frame.evaluate("""() => [...document.querySelectorAll("text.grad")].map((t) => {
        const box = t.closest("g.node").querySelector("path, polygon").getBBox();
        return Math.abs(Number(t.getAttribute("x")) - (box.x + box.width / 2)); })""")
    assert len(off) == 10 and max(off) < 0.5, off


def test_without_the_frame_the_steps_so_far_are_a_table(opened):
    """What an untrusted notebook shows: the frontend removes iframes and scripts."""
    opened.evaluate("() => document.querySelectorAll('iframe').forEach((f) => f.remove())")
    rows = opened.evaluate("""() => [...document.querySelectorAll(".stepgrad-pass")].map(
        (out) => [...out.querySelectorAll("details[open] tr")].map(
            (tr) => [...tr.children].map((td) => td.textContent)))""")
    for shown, k in zip(rows, (3, 5), strict=True):
        p = python_pass(k)
        assert shown[0][:3] == ["step", "node = formula", "input"]
        assert shown[1:] == [[str(s.index), f"{s.node_name} = {s.formula}", s.input_name,
                              short(s.upstream), short(s.local), short(s.contribution),
                              short(s.input_grad)] for s in p.steps]


def test_the_notebook_html_needs_no_network_of_ours(exported):
    text = exported.read_text(encoding="utf-8")
    ours = re.findall(r'<div class="stepgrad-pass">.*?</iframe>', text, re.S)
    assert len(ours) == 2
    for block in ours:
        assert not re.search(r"(?:src|href)=(?:\"|&quot;)https?:", block)
    assert os.path.getsize(exported) < 2_000_000
