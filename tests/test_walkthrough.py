"""The walkthrough page, driven in real headless Chromium: what it shows after N steps must be
what the Python stepper gives after N steps, and the page must never touch the network."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from browser import browser_skip_reason, chromium, open_page
from graphs import neuron, xor_loss

from stepgrad import BackwardPass, Value, walkthrough
from stepgrad.backward import topological_order
from stepgrad.draw import node_ids, step_edge_id
from stepgrad.stepping import short
from stepgrad.walkthrough import walkthrough_data, walkthrough_html

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")
SKIP = browser_skip_reason()
needs_browser = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")


# ----- reading the page --------------------------------------------------------------------

READ = """() => ({
  step: Number(document.body.dataset.step),
  counter: document.getElementById("counter").textContent,
  line: document.getElementById("line").textContent,
  equation: document.getElementById("equation").textContent,
  edges: [...document.querySelectorAll("g.edge.hl")].map(e => e.id),
  nodes: [...document.querySelectorAll("g.node.hl:not(.op)")].map(e => e.id).sort(),
  dim: [...document.querySelectorAll("g.node.unreached:not(.op)")].map(e => e.id).sort(),
  grads: Object.fromEntries([...document.querySelectorAll("text.grad")]
                              .map(t => [t.closest("g.node").id, t.textContent])),
})"""


def expected(p: BackwardPass) -> dict:
    """What the page must show when it is at the same step as the Python pass `p`."""
    ids = node_ids(p.order)
    k = len(p.steps)
    started = k > 0
    want = {
        "step": k,
        "counter": f"step {k} / {p.total}",
        "line": repr(p.current) if started else "",
        "edges": [step_edge_id(p.current, p.order)] if started else [],
        "nodes": sorted({ids[p.current.node], ids[p.current.input]}) if started else [],
        "dim": sorted(ids[v] for v in p.order if started and v not in p.reached),
        "grads": {ids[v]: "grad " + (short(v._grad) if started and v in p.reached else "?")
                  for v in p.order},
    }
    return want


def shown(page) -> dict:
    state = page.evaluate(READ)
    state.pop("equation")
    return state


def wait_until(page, condition: str, seconds: float = 10.0) -> None:
    """Poll a JS condition from Python (the page's Content-Security-Policy forbids the eval
    that Playwright's wait_for_function uses)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        page.wait_for_timeout(50)


def assert_offline(requests: list[str], page_file: Path) -> None:
    url = page_file.resolve().as_uri()
    assert requests and all(r == url or r.startswith("data:") for r in requests), requests


# ----- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if SKIP:
        pytest.skip(SKIP)
    with chromium() as b:
        yield b


@pytest.fixture
def open_(browser):
    pages = []

    def opener(path: Path):
        page, requests = open_page(browser, path)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        pages.append((page, requests, errors, path))
        return page, requests

    yield opener
    for page, requests, errors, path in pages:
        assert errors == [], errors
        assert_offline(requests, path)
        page.close()


# ----- the page, step by step --------------------------------------------------------------

@needs_browser
def test_every_step_shows_what_the_stepper_gives(open_, tmp_path):
    o = neuron()
    path = walkthrough(o, tmp_path / "neuron.html")
    page, _ = open_(path)
    p = o.backward_steps()  # the graph is untouched by walkthrough(): a fresh pass
    assert shown(page) == expected(p)  # step 0: the forward pass, no gradients at all
    assert set(shown(page)["grads"].values()) == {"grad ?"}
    for _ in range(p.total):
        page.keyboard.press("ArrowRight")
        s = next(p)
        assert shown(page) == expected(p)
        assert page.evaluate(READ)["equation"] == (
            f"upstream {short(s.upstream)} × local {short(s.local)} = {short(s.contribution)} "
            f"added to {s.input_name}.grad, now {short(s.input_grad)}")
    assert s.input_name == "w1" and short(s.contribution) == "1"  # upstream 0.5 x local x1 = 2


@needs_browser
def test_last_step_shows_the_gradients_of_backward(open_, tmp_path):
    page, _ = open_(walkthrough(neuron(), tmp_path / "neuron.html"))
    page.keyboard.press("End")
    fresh = neuron()
    fresh.backward()
    order = topological_order(fresh)
    ids = node_ids(order)
    state = shown(page)
    assert state["counter"] == "step 9 / 9" and state["dim"] == []
    assert state["grads"] == {ids[v]: f"grad {short(v.grad)}" for v in order}
    assert state["grads"][ids[order[0]]] == "grad -1.5"  # x1.grad = w1 * 0.5


@needs_browser
def test_buttons_and_keys_move_between_steps(open_, tmp_path):
    o = neuron()
    page, _ = open_(walkthrough(o, tmp_path / "neuron.html"))
    for _ in range(3):
        page.click("#next")
    page.click("#prev")
    p = o.backward_steps()
    next(p); next(p)  # noqa: E702
    assert shown(page) == expected(p)
    page.click("#last")
    assert shown(page)["step"] == 9 and page.is_disabled("#next") and page.is_disabled("#last")
    page.keyboard.press("ArrowLeft")
    assert shown(page)["step"] == 8
    page.keyboard.press("Home")
    assert shown(page)["step"] == 0 and page.is_disabled("#prev") and page.is_disabled("#first")
    page.click("#next")
    page.click("#first")
    assert shown(page)["step"] == 0


@needs_browser
def test_play_runs_to_the_end_at_the_chosen_speed(open_, tmp_path):
    page, _ = open_(walkthrough(neuron(), tmp_path / "neuron.html"))
    page.select_option("#speed", "30")
    page.click("#play")
    assert "Pause" in page.text_content("#play")
    wait_until(page, "() => document.body.dataset.step === '9'")
    wait_until(page, "() => document.getElementById('play').textContent.includes('Play')")
    page.keyboard.press(" ")  # at the end, play starts again from the forward pass
    page.keyboard.press(" ")  # and pauses
    assert shown(page)["step"] < 9 and "Play" in page.text_content("#play")


@needs_browser
def test_xor_network_steps_match_and_stay_fast(open_, tmp_path):
    loss = xor_loss()
    path = walkthrough(loss, tmp_path / "xor.html")
    page, _ = open_(path)
    p = loss.backward_steps()
    assert 150 <= len(p.order) and p.total >= 200  # a few hundred nodes and edges
    for _ in range(60):
        page.keyboard.press("ArrowRight")
    for _ in range(60):
        next(p)
    assert shown(page) == expected(p)
    # every step of the whole pass, run inside the page: a generous bound, far above the
    # ~1 ms per step it takes, that still catches anything like a re-render per step
    ms = page.evaluate("""() => {
        const t0 = performance.now();
        for (let i = 0; i < 400; i++)
            window.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight"}));
        return performance.now() - t0; }""")
    assert shown(page)["step"] == p.total
    assert ms < 400 * 25, f"stepping took {ms / 400:.1f} ms per step"
    p.run()
    fresh = xor_loss()
    fresh.backward()
    q = topological_order(fresh)  # same structure, same order, same ids
    fresh_grads = {f"n{i}": f"grad {short(v.grad)}" for i, v in enumerate(q)}
    assert shown(page)["grads"] == fresh_grads == expected(p)["grads"]


@needs_browser
def test_user_text_cannot_break_the_page_or_reach_the_network(open_, tmp_path):
    evil = '</script><img src="http://example.com/x.png"><script>alert(1)</script>'
    x = Value(1.5, label=evil)
    y = x * x; y.label = "y & <b>"  # noqa: E702
    path = walkthrough(y, tmp_path / "evil.html", title=evil)
    page, _ = open_(path)
    assert page.title() == evil
    page.keyboard.press("ArrowRight")
    state = page.evaluate(READ)
    assert state["line"] == f"y & <b> = {evil} * {evil}: upstream 1 x local 1.5 -> " \
                           f"{evil}.grad += 1.5 (now 1.5)"
    assert page.evaluate("document.querySelectorAll('img').length") == 0


@needs_browser
def test_a_graph_without_edges_has_zero_steps(open_, tmp_path):
    page, _ = open_(walkthrough(Value(3.0, label="c"), tmp_path / "leaf.html"))
    assert shown(page)["counter"] == "step 0 / 0"
    assert "depends on nothing" in page.text_content("#equation")
    page.keyboard.press("ArrowRight")
    assert shown(page)["step"] == 0


# ----- without a browser -------------------------------------------------------------------

@needs_dot
def test_walkthrough_leaves_the_graph_as_it_found_it(tmp_path):
    o = neuron()
    p = BackwardPass(o)
    before = [(v, v._grad) for v in p.order]  # after a fresh BackwardPass: seeded, zeros
    out = walkthrough(o, tmp_path / "a.html")
    assert out == tmp_path / "a.html" and out.read_text().startswith("<!DOCTYPE html>")
    assert [(v, v._grad) for v in p.order] == before
    fresh = neuron()
    walkthrough(fresh, tmp_path / "b.html")
    assert not any(v.grad_computed for v in topological_order(fresh))  # as if never run


def test_walkthrough_after_backward_shows_the_pass_from_scratch():
    x = Value(3.0, label="x")
    y = x * x; y.label = "y"  # noqa: E702
    y.backward()
    data = walkthrough_data(y)
    assert x.grad == 6.0 and y.grad == 1.0  # untouched
    assert [s["grad"] for s in data["steps"]] == ["3", "6"]  # not 6 + 3 + 3: from scratch
    assert data["steps"][-1]["grad"] == short(x.grad)  # what backward() gave
    assert [n["start"] for n in data["nodes"]] == ["0", "1"]  # x empty, y seeded


@needs_dot
def test_page_is_self_contained():
    text = walkthrough_html(neuron())
    for needle in ("http://", "https://", "src=", "@import", "url("):
        assert needle not in text.replace("http://www.w3.org/", ""), needle
    assert "<svg" in text and 'id="data"' in text


def test_bad_input_is_refused_plainly():
    with pytest.raises(TypeError, match="walkthrough: expected the Value whose backward pass"):
        walkthrough_html(3.0)
    with pytest.raises(TypeError, match=r"walkthrough\(grad\): expected a real number"):
        walkthrough_data(Value(1.0), grad="1")
