"""The walkthrough page survives any label, operation name or title, including its own template
markers (%%DATA%%, %%SVG%%, %%TITLE%%), </script>, <!--, U+2028, quotes and very long names:
checked on the HTML text, then loaded and stepped in real headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from browser import browser_skip_reason, chromium, open_page
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stepgrad import Value, walkthrough
from stepgrad.draw import TITLE_LIMIT, visible
from stepgrad.walkthrough import walkthrough_data, walkthrough_html
from stepgrad.walkthrough_page import PAGE

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's `dot` program is not installed")
SKIP = browser_skip_reason()
needs_browser = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")

MARKERS = ["%%DATA%%", "%%SVG%%", "%%TITLE%%"]
HOSTILE = MARKERS + ["</script>", "<script>alert(1)</script>", "<!--", "-->", "]]>", '"', "'",
                     "\\", "\\N", "&amp;", "&", "<", ">", "\u2028", "\u2029", "`${x}`", "{{x}}",
                     "é中🙂", " ", "%%", "%%DATA", "DATA%%"]
# what a label may hold: anything on one line (no control characters, no U+2028/U+2029)
LABEL_PIECES = [h for h in HOSTILE if h not in ("\u2028", "\u2029")]
NOT_IN_A_LABEL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def graph(a_label: str, b_label: str, op: str = "bad square"):
    """(a * b) then a hand-made operation named `op`: three values, one of them unlabelled."""
    a, b = Value(1.5, label=a_label), Value(-2.0, label=b_label)
    c = a * b
    return Value(c.data * c.data, "", (c,), (2 * c.data,), op), a, b


def parts(page: str) -> tuple[str, dict, str]:
    """The filled-in page cut at the template's own fixed text: (title, data, svg). Fails if
    the page does not have exactly the template's structure."""
    head, rest = page.split("<title>", 1)
    title, rest = rest.split("</title>", 1)
    before, rest = rest.split('<div id="graph">', 1)
    svg, rest = rest.split('</div></main>', 1)
    _, rest = rest.split('<script type="application/json" id="data">', 1)
    data, rest = rest.split("</script>", 1)
    assert head == PAGE.split("<title>", 1)[0]
    assert rest == PAGE.split('id="data">%%DATA%%</script>', 1)[1]  # the script, untouched
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count("<svg") == 1 and "<script" not in svg and "<!--" not in svg
    return title, json.loads(data), svg


@needs_dot
@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_markers_and_markup_in_a_title_are_shown_not_used(text):
    f, a, b = graph("a", "b", op=f"op {text}")
    title = f"title {text} end"
    page = walkthrough_html(f, title=title)
    shown_title, data, _ = parts(page)
    assert html.unescape(shown_title) == visible(title, TITLE_LIMIT)
    assert data == json.loads(json.dumps(walkthrough_data(f)))  # every byte of data intact
    assert f"<h1>{shown_title}</h1>" in page


@needs_dot
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.lists(st.sampled_from(LABEL_PIECES) | st.text(max_size=3), max_size=4).map("".join)
       .filter(lambda s: not NOT_IN_A_LABEL.search(s)),
       title=st.lists(st.sampled_from(HOSTILE) | st.text(max_size=3), max_size=4).map("".join),
       op=st.lists(st.sampled_from(HOSTILE) | st.text(max_size=3), max_size=4).map("".join))
@example(a="%%SVG%%", title="%%DATA%%", op="%%TITLE%%")
@example(a="</script><!--", title="\u2028</title>", op="\ud800\n")
@example(a="x" * 3000, title="t" * 5000, op="o" * 3000)
def test_any_label_title_and_operation_name_leave_the_page_whole(a, title, op):
    f, _, _ = graph(a, "b", op)
    page = walkthrough_html(f, title=title)
    shown_title, data, svg = parts(page)
    assert html.unescape(shown_title) == visible(title, TITLE_LIMIT)
    assert data == json.loads(json.dumps(walkthrough_data(f)))
    page.encode("utf-8")  # writable as a file, whatever the names hold


def test_walkthrough_refuses_a_title_or_rankdir_of_the_wrong_kind(tmp_path):
    f, _, _ = graph("a", "b")
    with pytest.raises(TypeError, match=r"^walkthrough: title must be a string \(or None\), "
                                        r"got int 5$"):
        walkthrough(f, tmp_path / "p.html", title=5)
    with pytest.raises(TypeError, match=r"^walkthrough: rankdir must be a string such as 'LR', "
                                        r"got NoneType None$"):
        walkthrough_html(f, rankdir=None)
    assert not (tmp_path / "p.html").exists()


# ----- in a browser -------------------------------------------------------------------------

READ = """() => ({
  title: document.title,
  h1: document.querySelector("h1").textContent,
  counter: document.getElementById("counter").textContent,
  formula: document.getElementById("formula").textContent,
  line: document.getElementById("line").textContent,
  names: [...document.querySelectorAll("g.node:not(.op)")]
           .map(g => g.querySelector("text").textContent),
  ops: [...document.querySelectorAll("g.node.op")]
         .map(g => [...g.querySelectorAll("text")].map(t => t.textContent).join("|")),
  scripts: document.scripts.length,
  images: document.querySelectorAll("img").length,
})"""


@pytest.fixture(scope="module")
def browser():
    if SKIP:
        pytest.skip(SKIP)
    with chromium() as b:
        yield b


CASES = [
    ("%%DATA%% </script><script>alert(1)</script>", "%%SVG%%<!-- -->", "%%TITLE%%",
     "%%DATA%% \u2028 </title><h1>x</h1> %%SVG%%"),
    ('"quoted" \'single\' \\N \\ &amp; <b>bold</b>', "é中🙂 `${x}`", "op\n\x00 -->",
     "<!-- a title \u2029 with %%TITLE%% inside -->"),
    ("L" * 2000, "%%", "o" * 500, "T" * 1000),
]


@needs_browser
@pytest.mark.parametrize("a_label, b_label, op, title", CASES, ids=["markers", "markup", "long"])
def test_a_page_with_hostile_names_loads_steps_and_shows_them_as_text(
        browser, tmp_path, a_label, b_label, op, title):
    f, a, b = graph(a_label, b_label, op)
    steps = f.backward_steps().run()
    for v in (a, b):
        v.zero_grad()
    path = walkthrough(f, tmp_path / "hostile.html", title=title)
    page, requests = open_page(browser, path)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        state = page.evaluate(READ)
        shown_title = visible(title, TITLE_LIMIT)
        assert state["title"] == " ".join(shown_title.split())  # <title> collapses spaces
        assert state["h1"] == shown_title
        assert state["counter"] == f"step 0 / {len(steps)}"
        assert state["scripts"] == 2 and state["images"] == 0  # nothing injected
        # the names, as text (a name longer than 100 characters is cut short in the drawing)
        assert state["names"] == [visible(a_label, 100), visible(b_label, 100), "v1", "v2"]
        assert state["ops"] == ["*", visible(op, 100)]
        for k, step in enumerate(steps, start=1):
            page.keyboard.press("ArrowRight")
            state = page.evaluate(READ)
            assert state["counter"] == f"step {k} / {len(steps)}"
            assert state["line"] == repr(step)  # the REPL's own line, every character
            assert state["formula"] == f"{step.node_name} = {step.formula}"
        assert errors == []
        url = path.resolve().as_uri()
        assert all(r == url or r.startswith("data:") for r in requests), requests
    finally:
        page.close()
