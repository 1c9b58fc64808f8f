"""The walkthrough page of a big graph in real headless Chromium: grouped boxes stepping one
group at a time (the numbers are the GroupedPass's), an expanded group stepping edge by edge,
finding a value by name, panning and zooming."""

from __future__ import annotations

import time

import pytest
from browser import browser_skip_reason, chromium, open_page
from graphs import xor_loss
from test_big_graphs import moons_loss

from stepgrad import walkthrough
from stepgrad.backward import topological_order
from stepgrad.grouped_pass import GroupedPass

SKIP = browser_skip_reason()
pytestmark = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")

READ = """() => ({
  step: Number(document.body.dataset.step),
  counter: document.getElementById("counter").textContent,
  line: document.getElementById("line").textContent,
  hl: [...document.querySelectorAll("g.node.hl")].map(e => e.id).sort(),
  grads: Object.fromEntries([...document.querySelectorAll("text.grad")]
                              .map(t => [t.closest("g.node").id, t.textContent])),
})"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def open_(browser):
    pages = []

    def opener(path):
        page, requests = open_page(browser, path)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        pages.append((page, errors))
        deadline = time.monotonic() + 20
        while not page.evaluate("() => document.body.dataset.step === '0'"):
            assert time.monotonic() < deadline
            page.wait_for_timeout(20)
        return page

    yield opener
    for page, errors in pages:
        assert errors == [], errors
        page.close()


def expected_texts(gp: GroupedPass, shown: dict[str, str]) -> dict[str, str]:
    """The grad text of every box after the steps `gp` has applied (boxes it never reached
    keep '?'), from the GroupedPass itself."""
    want = dict(shown)
    for step in gp.steps[-1:]:
        for box, _, text in step.reached:
            want[box] = "grad " + text
    return want


def test_a_grouped_page_steps_one_group_at_a_time_with_the_passs_numbers(open_, tmp_path):
    loss, _ = moons_loss(2)
    assert len(topological_order(loss)) > 300  # grouped by default
    page = open_(walkthrough(loss, tmp_path / "moons.html"))
    twin, _ = moons_loss(2)
    gp = GroupedPass(twin, "neuron")
    state = page.evaluate(READ)
    assert state["counter"] == f"step 0 / {gp.total}" and gp.total > 10
    assert set(state["grads"].values()) == {"grad ?"}
    grads = state["grads"]
    boxes_reached = set()
    for _ in range(gp.total):
        page.keyboard.press("ArrowRight")
        step = next(gp)
        state = page.evaluate(READ)
        assert state["line"] == repr(step)
        assert state["hl"] == sorted({step.box, *(b for b, _, _ in step.reached)})
        for box, _, text in step.reached:
            grads[box] = "grad " + text
            boxes_reached.add(box)
        if len(step.steps) == 1 and step.box.startswith("n"):
            grads[step.box] = state["grads"][step.box]  # a value on its own: as plain page
        assert {b: state["grads"][b] for b in boxes_reached} == {b: grads[b]
                                                                 for b in boxes_reached}
    assert gp.done and page.evaluate(READ)["step"] == gp.total


def test_an_expanded_group_steps_edge_by_edge(open_, tmp_path):
    loss = xor_loss()
    page = open_(walkthrough(loss, tmp_path / "xor.html", group="neuron", expand="L1.n2"))
    gp = GroupedPass(xor_loss(), "neuron", expand="L1.n2")
    for _ in range(gp.total):
        page.keyboard.press("ArrowRight")
        step = next(gp)
        assert page.evaluate(READ)["line"] == repr(step)
    singles = [s for s in gp.steps if s.name.startswith("L1.n2")]
    assert singles and all(len(s.steps) == 1 for s in singles)


def test_find_a_value_by_name_and_move_around(open_, tmp_path):
    loss = xor_loss()
    page = open_(walkthrough(loss, tmp_path / "xor.html"))
    order = topological_order(loss)
    target = next(i for i, v in enumerate(order) if v.label == "L1.n3.w2")
    page.keyboard.press("/")  # focus the find box
    page.keyboard.type("L1.n3.w2")
    page.keyboard.press("Enter")
    assert page.evaluate("[...document.querySelectorAll('g.node.found')].map(e => e.id)") == [
        f"n{target}"]
    box = page.evaluate(f"""() => {{
        const p = document.getElementById('pane').getBoundingClientRect();
        const q = document.getElementById('n{target}').getBoundingClientRect();
        return q.left >= p.left && q.right <= p.right && q.top >= p.top && q.bottom <= p.bottom;
    }}""")
    assert box  # scrolled into view
    assert page.evaluate(READ)["step"] == 0  # typing did not step
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(READ)["step"] == 1

    width = "() => document.querySelector('#graph svg').getBoundingClientRect().width"
    scroll = "() => [document.getElementById('pane').scrollLeft, " \
             "document.getElementById('pane').scrollTop]"
    w0 = page.evaluate(width)
    page.mouse.move(700, 500)
    page.mouse.wheel(0, -300)  # wheel up: zoom in
    page.wait_for_timeout(100)
    assert page.evaluate(width) > w0 * 1.2
    page.evaluate("() => { const p = document.getElementById('pane'); "
                  "p.scrollLeft = 400; p.scrollTop = 200; }")
    s0 = page.evaluate(scroll)
    page.mouse.move(700, 500)
    page.mouse.down()
    page.mouse.move(600, 450, steps=4)  # drag left and up: the view moves right and down
    page.mouse.up()
    s1 = page.evaluate(scroll)
    assert s1[0] == pytest.approx(s0[0] + 100, abs=2)
    assert s1[1] == pytest.approx(s0[1] + 50, abs=2)
    page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate(scroll)[0] == pytest.approx(s1[0] + 120, abs=2)
    assert page.evaluate(READ)["step"] == 1  # Shift+arrow moves, it does not step
