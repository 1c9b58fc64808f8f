"""How stepgrad's objects show themselves in a notebook (JupyterLab, Notebook, VS Code, Colab).

When a cell ends with an object, IPython asks it for `_repr_html_()` or `_repr_mimebundle_()`.
The classes define those methods in a line or two and call the functions here, which build
small, plain HTML: a table for a table, a line for a step. Labels are the learner's text, so
every one goes through `esc` (html.escape) wherever it appears. No CSS file, no JavaScript
library, no network, no widget: it works offline, in every frontend, and in untrusted
notebooks, where the frontend removes scripts and iframes but keeps tables.

A `BackwardPass` shows the walkthrough page of its graph (stepgrad.walkthrough) inside an
`<iframe srcdoc=... sandbox="allow-scripts">`. The frame keeps the page's styles and its key
handling to itself (keys typed in the notebook never reach it), opens at the step the pass
has reached, and is as tall as the graph needs. Next to it is a table of the steps so far:
that is what an untrusted notebook, or a machine without Graphviz, shows instead.

This module is imported only when a notebook displays something, never by `import stepgrad`.
"""

from __future__ import annotations

import dataclasses
import html
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stepgrad.bounded import BIG_GRAPHS, ROWS, hidden_text, shown_rows
from stepgrad.stepping import (
    BackwardPass,
    BackwardStep,
    formula,
    short,
    step_rows,
    text_table,
)
from stepgrad.value import Value, _show
from stepgrad.words import plural

if TYPE_CHECKING:
    from stepgrad.gradcheck import GradCheck
    from stepgrad.nn.module import Module
    from stepgrad.nn.perceptron import PerceptronResult

__all__ = [
    "StepTable",
    "drawing_repr",
    "gradcheck_html",
    "module_html",
    "pass_html",
    "pass_mimebundle",
    "perceptron_result_html",
    "step_html",
    "steps_table_html",
    "value_html",
]

# How the walkthrough frame is sized: the graph's own height, plus the page's header
# (buttons, the step's formula and equation) and footer, within these bounds.
FRAME_CHROME_PX = 260  # header + footer + the graph's padding + a horizontal scrollbar
FRAME_MIN_PX, FRAME_MAX_PX = 320, 760
OPEN_TABLE_ROWS = 12  # a longer table of steps starts folded when the walkthrough is shown
# A pass of more steps is not played inline: its page (about 150 bytes a step, with every
# edge of every step) would be megabytes in every output (the moons loss on 100 points:
# 122,100 steps, 17 MB); the note says to write it to a file with walkthrough() instead.
INLINE_STEPS = 5000
# The tables of a network's parameters (and of its layers or parts) and of gradcheck's inputs
# show at most this many rows: the first and the last ones.
RESULT_ROWS = 1000

STEP_HEADER = ("step", "node = formula", "input", "upstream", "local", "contribution",
               "input grad")

_LEFT = ' style="text-align:left"'
_RIGHT = ' style="text-align:right;font-variant-numeric:tabular-nums"'


def esc(text: object) -> str:
    """`text` as HTML text, safe inside an element or a quoted attribute."""
    return html.escape(str(text), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]],
           numeric: Collection[int] = (),
           notes: Mapping[int, str | Sequence[str]] | None = None) -> str:
    """A plain <table>: one header row, then `rows`; columns in `numeric` align right;
    `notes[i]` is a row (or several) across the whole table, in italics, just before rows[i]
    (i = len(rows): after the last)."""
    def cell(tag: str, i: int, text: str) -> str:
        return f"<{tag}{_RIGHT if i in numeric else _LEFT}>{esc(text)}</{tag}>"

    def note(i: int) -> str:
        texts = (notes or {}).get(i) or ()
        return "".join(f'<tr><td colspan="{len(header)}"{_LEFT}><i>{esc(text)}</i></td></tr>'
                       for text in ([texts] if isinstance(texts, str) else texts) if text)

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        note(r) + "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>"
        for r, row in enumerate(rows)
    ) + note(len(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ----- values and steps ------------------------------------------------------------------------

def value_html(v: Value) -> str:
    """A value as one row: its label, data, grad ('?' until a backward pass) and origin."""
    if v._parents:
        made = formula(v, {p: p.label or short(p.data) for p in v._parents})
    else:
        made = "an input (a leaf)"
    grad = _show(v._grad) if v._grad is not None else "? (no backward pass yet)"
    row = (v.label or "(no label)", _show(v.data), grad, made)
    return _table(("Value", "data", "grad", "computed as"), [row], numeric={1, 2})


def step_html(s: BackwardStep) -> str:
    """One step as the walkthrough page says it: upstream x local = contribution."""
    num = '<b style="color:#d9480f">{}</b>'.format
    return (
        f"<div>step {s.index}: <b>{esc(s.node_name)} = {esc(s.formula)}</b>: "
        f"upstream {num(esc(short(s.upstream)))} &times; local {num(esc(short(s.local)))} "
        f"= {num(esc(short(s.contribution)))}, added to {esc(s.input_name)}.grad, now "
        f"{num(esc(short(s.input_grad)))}</div>"
    )


def _step_cells(s: BackwardStep) -> tuple[str, ...]:
    return (str(s.index), f"{s.node_name} = {s.formula}", s.input_name, short(s.upstream),
            short(s.local), short(s.contribution), short(s.input_grad))


def steps_table_html(steps: Sequence[BackwardStep], done: int | None = None,
                     limit: int | None = ROWS, see_all: str = "table(limit=None)") -> str:
    """Steps as an HTML table with the columns of `BackwardPass.table()`; with `done`, a row
    before the steps not done yet says so, as the text table does. At most `limit` rows (None:
    all), chosen as the text table chooses them; a row says how many are left out and that
    `see_all` shows them all."""
    shown, notes = step_rows(len(steps), limit, done, see_all)
    return _table(STEP_HEADER, [_step_cells(steps[i]) for i in shown], numeric={0, 3, 4, 5, 6},
                  notes=notes)


class TextTable(str):
    """A table as text: an ordinary str (print it, compare it, write it to a file) whose repr
    is the table itself, so that typing `steps.table()` at the Python prompt shows the table,
    not one quoted line full of \\n."""

    def __repr__(self) -> str:
        return str.__str__(self)


class StepTable(TextTable):
    """The text of `BackwardPass.table()`: an ordinary str (print it, compare it) that a
    notebook shows as an HTML table. `steps` are the BackwardSteps it was made from."""

    def __new__(cls, text: str, steps: Sequence[BackwardStep] = (),
                done: int | None = None, limit: int | None = ROWS,
                see_all: str = "table(limit=None)") -> StepTable:
        table = super().__new__(cls, text)
        table.steps = tuple(steps)
        table.done = len(table.steps) if done is None else done  # the steps the pass has done
        table.limit, table.see_all = limit, see_all  # the rows shown, as in the text
        return table

    def _repr_html_(self) -> str:
        if not self.steps:  # the pass of an input has no steps: its text says so
            return f"<p>{esc(str.__str__(self))}</p>"
        return steps_table_html(self.steps, self.done, self.limit, self.see_all)

    def __reduce__(self) -> tuple[type, tuple[str, tuple[BackwardStep, ...], int, int | None,
                                              str]]:
        """Pickled with its steps, each without its pass (a live pass does not pickle)."""
        steps = tuple(dataclasses.replace(s, backward_pass=None) for s in self.steps)
        return (StepTable, (str.__str__(self), steps, self.done, self.limit, self.see_all))


# ----- a backward pass: the walkthrough in a frame, the table of steps as the fallback ------

def _html_wanted(include: Collection[str] | None, exclude: Collection[str] | None) -> bool:
    """False when the frontend will not show HTML, so the page need not be built: asked not
    to, or IPython in a terminal (its HTML formatter is switched off there)."""
    if include is not None and "text/html" not in include:
        return False
    if exclude is not None and "text/html" in exclude:
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", {})
    formatter = formatters.get("text/html") if isinstance(formatters, dict) else None
    return formatter is None or bool(getattr(formatter, "enabled", True))


def pass_mimebundle(p: BackwardPass, include: Collection[str] | None = None,
                    exclude: Collection[str] | None = None) -> dict[str, str]:
    """What a notebook shows for a BackwardPass: text/plain (its repr and the steps so far)
    and, where HTML is shown, text/html (`pass_html`)."""
    text = repr(p)
    if p.steps:
        shown = p.steps[-20:]
        earlier = len(p.steps) - len(shown)
        more = (f"\n({plural(earlier, 'earlier step')} not shown: they are in .steps)"
                if earlier else "")
        text += more + "\n" + text_table(STEP_HEADER, [_step_cells(s) for s in shown])
    bundle = {"text/plain": text}
    if _html_wanted(include, exclude):
        bundle["text/html"] = pass_html(p)
    return bundle


def pass_html(p: BackwardPass) -> str:
    """A caption, the interactive walkthrough (if it can be made), and the steps so far.

    Never raises: if the page cannot be made (no Graphviz, for one), the caption says why and
    the table of the steps so far is shown open instead.
    """
    k, name = len(p.steps), p.names[p.root]
    where = f"step {k} of {p.total}" if p.total else "no steps: it depends on nothing"
    caption = f"<b>Backward pass of {esc(name)}</b>: {where}"
    if p.current is not None:
        caption += f". Last step: <code>{esc(repr(p.current))}</code>"
    try:
        frame, why_not = walkthrough_frame(p)
    except Exception as error:  # a display must never raise: say what went wrong instead
        frame, why_not = None, f"the walkthrough could not be made: {error}"
    parts = [f"<div>{caption}</div>"]
    if why_not:
        parts.append(f"<div><i>{esc(why_not)}</i></div>")
    if frame:
        parts.append(frame)
    if k:
        opened = " open" if frame is None or k <= OPEN_TABLE_ROWS else ""
        table = steps_table_html(p.steps, limit=ROWS, see_all="the pass's table(limit=None)")
        parts.append(f"<details{opened}><summary>The {plural(k, 'step')} so far, as a "
                     f"table</summary>{table}</details>")
    return '<div class="stepgrad-pass">' + "".join(parts) + "</div>"


def _write_page_hint(p: BackwardPass) -> str:
    """The call that writes the walkthrough page of `p` to a file, in words."""
    label = p.root.label
    if label.isidentifier():
        return f"walkthrough({label}, '{label}.html')"
    return "walkthrough(root, 'pass.html'), with root the value whose pass this is"


def _starts_from_scratch(p: BackwardPass) -> bool:
    """True if the pass started with no gradient in any input or parameter (the leaves).

    The walkthrough page always plays a pass from scratch. A pass that began after an earlier
    backward() adds to the leaves' old gradients, and its numbers differ from the page's. A
    leaf already reached started empty exactly when its first step left grad == contribution
    (0 + c == c, and from then on both passes are the same); a leaf not reached yet still
    holds what it had before the pass: nothing (or 0) when the pass starts from scratch.
    """
    first: dict[Value, BackwardStep] = {}
    for s in p.steps:
        first.setdefault(s.input, s)
    for v in p.order:
        if v._parents or v is p.root:
            continue
        s = first.get(v)
        if (s.input_grad != s.contribution) if s is not None else \
                (p.gradient(v) not in (None, 0.0)):
            return False
    return True


def walkthrough_frame(p: BackwardPass) -> tuple[str | None, str | None]:
    """The <iframe> that plays `p` from the step it has reached, or None and the reason."""
    if p.total == 0:
        return None, None
    if p.stale:
        return None, ("The walkthrough is not shown: this pass is stale (a newer pass or a "
                      "reset ended it, and its steps were undone). Start a new pass with "
                      "backward_steps() to see it.")
    if p.total > INLINE_STEPS:
        return None, (
            f"The walkthrough is not shown here: this pass has {p.total:,} steps, and its "
            f"page would add megabytes to the notebook at each display (a notebook plays "
            f"passes of up to {INLINE_STEPS:,} steps). Write it to a file and open that in "
            f"your browser: {_write_page_hint(p)}. Or {BIG_GRAPHS}.")
    if not _starts_from_scratch(p):
        return None, (
            "The walkthrough is not shown: this pass started while the inputs still held "
            "gradients from an earlier backward(), so it adds to them. Call zero_grad() on "
            "them (or model.zero_grad()) before backward_steps() to see it."
        )
    import shutil

    if shutil.which("dot") is None:
        return None, ("The walkthrough needs Graphviz's `dot` program, which is not "
                      "installed; the steps so far are below.")
    from stepgrad.walkthrough import walkthrough_html

    page = walkthrough_html(p.root, p.seed)
    k = len(p.steps)
    if k:  # open at step k: the page's own slider takes it there
        start = (f'<script>(function () {{ const s = document.getElementById("scrub"); '
                 f's.value = "{k}"; s.dispatchEvent(new Event("input")); }})();</script>\n')
        head, body_end, tail = page.rpartition("</body>")
        page = head + start + body_end + tail
    size = re.search(r'<svg\b[^>]*?\bheight="([0-9.]+)(pt|px)?"', page)
    graph_px = float(size.group(1)) * (4 / 3 if size.group(2) != "px" else 1) if size else 400
    height = round(min(FRAME_MAX_PX, max(FRAME_MIN_PX, graph_px + FRAME_CHROME_PX)))
    name = p.names[p.root]
    return (
        f'<iframe class="stepgrad-walkthrough" sandbox="allow-scripts" '
        f'title="{esc(f"Backward pass of {name}, step by step")}" '
        f'style="width:100%;height:{height}px;border:1px solid #d9dee4;border-radius:6px" '
        f'srcdoc="{esc(page)}"></iframe>'
    ), None


# ----- results: gradcheck, networks, the perceptron ------------------------------------------

def _some(items: Sequence[Any], noun: str, see_all: str,
          limit: int = RESULT_ROWS) -> tuple[list[Any], dict[int, str]]:
    """At most `limit` of `items` (the first and the last ones), and the notes for _table
    where some are left out: how many, and that `see_all` shows them all."""
    shown, gaps = shown_rows(len(items), limit)
    return ([items[i] for i in shown],
            {k: hidden_text(n, noun, limit, see_all) for k, n in gaps.items()})


def gradcheck_html(c: GradCheck) -> str:
    """The verdict of gradcheck, then one table row per input (at most RESULT_ROWS)."""
    head = str(c).splitlines()[0]
    colour = "#2b8a3e" if c.ok else "#c92a2a"
    shown, notes = _some(c.rows, "input", "print(result) lists them all")
    rows = [
        (str(r.index), r.name, f"{r.x:.4g}", f"{r.engine:.4g}", f"{r.numerical:.4g}",
         f"{r.difference:.2g}", f"{r.allowed:.2g}", "yes" if r.ok else "NO")
        for r in shown
    ]
    table = _table(("input", "name", "at", "engine says", "finite differences say", "off by",
                    "allowed", "agree"), rows, numeric={0, 2, 3, 4, 5, 6}, notes=notes)
    return f'<div><b style="color:{colour}">{esc(head)}</b></div>{table}'


def module_html(m: Module) -> str:
    """A network: its summary line, its layers (if it has any), and its parameters."""
    from stepgrad.nn.attributes import parts as parts_of
    from stepgrad.nn.module import Module

    parts = [f"<div><b>{esc(repr(m).splitlines()[0])}</b></div>"]
    layers = getattr(m, "layers", None)
    if isinstance(layers, list) and layers:
        shown, notes = _some(list(enumerate(layers, start=1)), "layer", ".layers has them all")
        rows = [(str(i), repr(layer), str(layer.num_parameters())) for i, layer in shown]
        parts.append(_table(("layer", "shape", "parameters"), rows, numeric={0, 2},
                            notes=notes))
    elif type(m).__repr__ is Module.__repr__:  # a learner's model: the modules it holds
        held = [(name, x) for name, x in parts_of(m) if isinstance(x, Module)]
        shown, notes = _some(held, "part", "print() of the model lists them all")
        rows = [(name, repr(x).splitlines()[0], str(x.num_parameters())) for name, x in shown]
        if rows:
            parts.append(_table(("part", "shape", "parameters"), rows, numeric={2},
                                notes=notes))
    named = m.named_parameters()
    if named:
        shown, notes = _some(named, "parameter", ".named_parameters() lists them all")
        rows = [(n, _show(p.data), _show(p._grad) if p._grad is not None else "?")
                for n, p in shown]
        opened = " open" if len(named) <= OPEN_TABLE_ROWS else ""
        table = _table(("name", "data", "grad"), rows, numeric={1, 2}, notes=notes)
        parts.append(f"<details{opened}><summary>{plural(len(named), 'parameter')}</summary>"
                     f"{table}</details>")
    return "".join(parts)


def _mistakes(counts: Sequence[int]) -> str:
    if len(counts) <= 16:
        return ", ".join(map(str, counts))
    return (", ".join(map(str, counts[:10])) + f", ... ({len(counts) - 15} more), "
            + ", ".join(map(str, counts[-5:])))


def perceptron_result_html(r: PerceptronResult) -> str:
    """What Perceptron.fit did: its message, then the numbers."""
    rows = [("converged", "yes" if r.converged else "no"), ("epochs", str(r.epochs)),
            ("accuracy of the last weights", f"{r.accuracy:.0%}"),
            ("best accuracy (kept)", f"{r.best_accuracy:.0%}"),
            ("mistakes per epoch", _mistakes(r.mistakes))]
    return f"<div><b>{esc(r.message)}</b></div>" + _table(("", ""), rows)


# ----- drawings ------------------------------------------------------------------------------

def drawing_repr(graph: Any) -> str:
    """What a drawing is and how to see it (the text a REPL prints for it)."""
    about = getattr(graph, "stepgrad_about", None)
    what = f"of {about[0]}: {plural(about[1], 'value')}" if about else "of a graph"
    view = getattr(graph, "stepgrad_view", None)  # a grouped or focused drawing: what it shows
    if view:
        what += f", {view}"
    return (f"<stepgrad drawing {what}; display it in a notebook, "
            f"or .render('graph', format='svg')>")
