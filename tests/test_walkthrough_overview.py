"""The walkthrough page's overview (the whole graph, one box per neuron) in real headless
Chromium at 1400 x 900: every text of it readable (>= 10 px on screen) with the whole graph in
the window, its numbers those of the Python pass at every step, and a click on a neuron moving
the detailed view to that neuron's values."""

from __future__ import annotations

import io
import json
import time

import pytest
from browser import browser_skip_reason, chromium, open_page
from graphs import neuron, xor_loss

from stepgrad import walkthrough
from stepgrad.backward import topological_order
from stepgrad.grouped_pass import GroupedPass
from stepgrad.grouping import Grouping, range_text
from stepgrad.nn import MLP
from stepgrad.stepping import node_names

SKIP = browser_skip_reason()
pytestmark = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")

READABLE_PX = 10

# Every text of the overview as drawn on screen, and where the overview and its panel are.
MEASURE = """() => {
  const sec = document.getElementById("overview");
  const svg = sec.querySelector("svg").getBoundingClientRect();
  const texts = [...sec.querySelectorAll("svg text")].map((t) => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, height: r.height, left: r.left, right: r.right,
            top: r.top, bottom: r.bottom,
            font: parseFloat(t.getAttribute("font-size")) * 4 / 3 * svg.width /
                  (t.ownerSVGElement.viewBox.baseVal.width * 4 / 3)};
  });
  const s = sec.getBoundingClientRect();
  return {hidden: sec.hidden, texts, svg: [svg.left, svg.top, svg.right, svg.bottom],
          section: [s.left, s.top, s.right, s.bottom], view: [innerWidth, innerHeight],
          scrolls: sec.scrollWidth > sec.clientWidth || sec.scrollHeight > sec.clientHeight,
          pane: document.getElementById("pane").getBoundingClientRect().height};
}"""

BOXES = "#overview g.ovnode:not([id^='ov-op'])"  # boxes, not operations
READ = """() => ({
  step: Number(document.body.dataset.step),
  grads: Object.fromEntries([...document.querySelectorAll(BOXES)].map(
    (g) => { const t = g.querySelectorAll("text"); return [g.id, t[t.length - 1].textContent]; })),
  cur: [...document.querySelectorAll(BOXES)].filter((g) => g.classList.contains("cur"))
         .map((g) => g.id).sort(),
  dim: [...document.querySelectorAll(BOXES)].filter((g) => g.classList.contains("unreached"))
         .map((g) => g.id).sort(),
  detail: [...document.querySelectorAll("text.grad")].length,
})""".replace("BOXES", json.dumps(BOXES))


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def open_(browser):
    pages = []

    def opener(path, width=1400, height=900):
        page, requests = open_page(browser, path, width, height)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        pages.append((page, errors, requests, path))
        deadline = time.monotonic() + 20
        while not page.evaluate("() => document.body.dataset.step === '0'"):
            assert time.monotonic() < deadline
            page.wait_for_timeout(20)
        return page

    yield opener
    for page, errors, requests, path in pages:
        assert errors == [], errors
        url = path.resolve().as_uri()
        assert all(r == url or r.startswith("data:") for r in requests), requests
        page.close()


def assert_whole_and_readable(state: dict) -> None:
    assert not state["hidden"] and not state["scrolls"], state
    left, top, right, bottom = state["svg"]
    width, height = state["view"]
    assert 0 <= left and right <= width and 0 <= top and bottom <= height, state
    s_left, s_top, s_right, s_bottom = state["section"]
    assert s_left <= left and right <= s_right and s_top <= top and bottom <= s_bottom
    assert len(state["texts"]) > 20
    for t in state["texts"]:
        assert t["height"] >= READABLE_PX, t  # as drawn on the screen
        assert t["font"] >= READABLE_PX - 0.01, t  # and its font size, not only its box
        assert left - 1 <= t["left"] and t["right"] <= right + 1, t
        assert top - 1 <= t["top"] and t["bottom"] <= bottom + 1, t
    assert state["pane"] > 250  # the detailed view keeps a good part of the window


def test_the_xor_demo_page_shows_the_whole_graph_readably(open_, tmp_path):
    from demos.xor import XorOptions, run

    path = tmp_path / "xor.html"
    result = run(XorOptions(graph=None, html=str(path)), out=io.StringIO())
    assert result.html == str(path)
    page = open_(path)
    state = page.evaluate(MEASURE)
    assert_whole_and_readable(state)
    names = {t["text"] for t in state["texts"]}
    assert {"L1.n1", "L1.n8", "L2.n1", "loss"} <= names  # every neuron of the 2-8-1 network
    assert page.is_checked("#show-overview")


def test_the_overview_steps_with_the_passs_numbers(open_, tmp_path):
    loss = xor_loss()
    page = open_(walkthrough(loss, tmp_path / "xor.html"))
    assert_whole_and_readable(page.evaluate(MEASURE))
    twin = xor_loss()
    gp = GroupedPass(twin, "neuron")  # its boxes; stepped edge by edge below, as the page
    bp = gp.backward_pass
    order = bp.order
    boxes = {gp.box(v): v for v in order}
    state = page.evaluate(READ)
    assert state["grads"] == {f"ov-{b}": "grad ?" for b in boxes} and state["cur"] == []
    assert state["detail"] == len(order)  # the detailed view's values, none of the overview's
    reached: set[str] = set()
    for _ in range(bp.total):
        page.keyboard.press("ArrowRight")
        step = next(bp)
        state = page.evaluate(READ)
        reached |= {b for b, v in boxes.items() if gp.box_text(v) != "?"}
        want = {f"ov-{b}": "grad " + (gp.box_text(v) if b in reached else "?")
                for b, v in boxes.items()}
        assert state["grads"] == want, len(bp.steps)
        assert state["cur"] == sorted({f"ov-{gp.box(step.node)}", f"ov-{gp.box(step.input)}"})
        assert state["dim"] == sorted(f"ov-{b}" for b in boxes if b not in reached)
    # at the end: each neuron's output gradients as backward() leaves them, independently
    fresh = xor_loss()
    fresh.backward()
    grouping = Grouping(topological_order(fresh), "neuron")
    for group in grouping.groups:
        if len(group.members) > 1:
            want = range_text([v.grad for v in group.outputs])
            assert state["grads"][f"ov-{group.box_id}"] == f"grad {want}", group.name
    assert state["grads"]["ov-g6"] == "grad 1"  # the loss, seeded


def test_clicking_a_neuron_moves_the_detail_to_its_values(open_, tmp_path):
    loss = xor_loss()
    page = open_(walkthrough(loss, tmp_path / "xor.html"))
    order = topological_order(loss)
    names = node_names(order)
    grouping = Grouping(order, "neuron", names)
    for name in ("L1.n4", "L1.n1", "L2.n1"):
        group = grouping.by_name[name]
        page.click(f"#ov-{group.box_id}")
        members = sorted(f"n{order.index(v)}" for v in group.members)
        outs = [f"n{order.index(v)}" for v in group.outputs]
        seen = page.evaluate(f"""() => {{
            const p = document.getElementById("pane").getBoundingClientRect();
            const inside = (id) => {{ const q = document.getElementById(id).getBoundingClientRect();
                return q.left >= p.left && q.right <= p.right && q.top >= p.top &&
                       q.bottom <= p.bottom; }};
            const texts = [...document.querySelectorAll("#graph svg text")].map(
                (t) => t.getBoundingClientRect().height);
            return {{inside: {json.dumps(outs)}.filter(inside), small: Math.min(...texts),
                     found: [...document.querySelectorAll("g.node.found")].map(e => e.id)
                              .sort()}}; }}""")
        assert seen["inside"], name  # one of the neuron's outputs (one call of it) is in view
        assert seen["small"] >= READABLE_PX, name  # and the detail is still readable
        assert seen["found"] == members, name  # and all its values are outlined
        assert page.text_content("#found") == f"{name}: {len(members)} values"
    assert page.evaluate(READ)["step"] == 0  # clicking does not step


def test_the_overview_can_be_hidden_and_small_graphs_start_without_it(open_, tmp_path):
    page = open_(walkthrough(xor_loss(), tmp_path / "xor.html"))
    page.keyboard.press("o")
    assert page.evaluate("() => document.getElementById('overview').hidden")
    assert not page.is_checked("#show-overview")
    page.keyboard.press("o")
    assert not page.evaluate("() => document.getElementById('overview').hidden")
    page.click("#show-overview")
    assert page.evaluate("() => document.getElementById('overview').hidden")
    page.keyboard.press("ArrowRight")  # still steps
    assert page.evaluate(READ)["step"] == 1

    short = open_(tmp_path / "xor.html", height=650)  # a short window (a notebook's frame)
    assert short.evaluate("() => document.getElementById('overview').hidden")
    assert short.is_visible("#overview-switch")  # starts with the detail alone, can switch
    short.click("#show-overview")
    assert not short.evaluate("() => document.getElementById('overview').hidden")

    model = MLP(2, [1], activation="tanh", seed=0)  # one neuron: readable in full
    small = model([1.0, 2.0])
    page = open_(walkthrough(small, tmp_path / "small.html"))
    assert page.evaluate("() => document.getElementById('overview').hidden")
    assert page.is_visible("#overview-switch")  # but there, one key away
    page = open_(walkthrough(neuron(), tmp_path / "neuron.html"))  # no neurons of a model
    assert page.evaluate("() => document.getElementById('overview')") is None
    assert not page.is_visible("#overview-switch")
