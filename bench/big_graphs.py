"""How long drawing and walking a real training graph takes (issue 9: big graphs).

    python bench/big_graphs.py                  # every case, about a minute
    python bench/big_graphs.py --only xor-font,draw-grouped-100
    python bench/big_graphs.py --timeout 200    # give a slow case longer before giving up

The graph is micrograd's moons loss (bench/workloads.py: the same data, weights and SVM loss +
1e-4 L2) computed with stepgrad's own `nn.MLP(2, [16, 16, 1])`, over 5 points (about 3,600
values) and over all 100 points (about 65,000). Each case runs in a fresh process and is
stopped after --timeout seconds (then reported as such, never left hanging). Times are wall
seconds on this machine, one run each: Graphviz and Chromium are separate processes, so CPU
time of the Python process would miss most of the cost. The column "before" holds the figures
measured on the commit before this work (e2271aa, same machine), for comparison.

Acceptance (issue 9): grouped 100-point drawing < 5 s and its page loads in < 2 s; the full
5-point drawing under a tenth of its old time or refused up front; the XOR page at 1400x900
shows the whole graph with text at least 10 px high.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))  # tests/browser.py

import workloads  # noqa: E402

# measured on e2271aa (before this work), this machine; None: not possible then
BEFORE: dict[str, str] = {
    "values-5": "4,244",
    "values-100": "65,614",
    "draw-full-5": "> 200 s (issue: 57 s)",
    "draw-default-5": "(as draw-full-5)",
    "draw-grouped-100": "n/a (hangs in full)",
    "page-full-5": "(issue: 71 s, 10 MB)",
    "page-grouped-100": "n/a",
    "load-page-5": "(issue: 14 s)",
    "load-page-grouped-100": "n/a",
    "xor-font": "fits at 3-5 px",
}


def moons_loss(n: int):
    """micrograd's moons loss over the first n points, with stepgrad's nn.MLP."""
    from stepgrad import Value
    from stepgrad.nn import MLP

    model = MLP(2, workloads.SIZES[1:], activation="relu", output_activation="linear")
    flat = [v for layer in workloads.initial_weights() for ws, b in layer for v in (*ws, b)]
    for p, v in zip(model.parameters(), flat, strict=True):
        p.data = v
    xs, ys = workloads.make_moons()
    loss, _ = workloads.demo_loss(Value, model, xs[:n], ys[:n])
    loss.label = "loss"
    return loss


def xor_loss():
    """The XOR network's loss over its 4 samples (tests/graphs.py), 154 values."""
    from graphs import xor_loss as make

    return make()


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def page_load_seconds(path: str) -> dict:
    """Open the page in headless Chromium (tests/browser.py) and time it until the page's
    script has run (the counter shows 'step 0 / N')."""
    from browser import chromium, open_page

    with chromium() as b:
        t0 = time.perf_counter()
        page, _ = open_page(b, path)
        while not page.evaluate("() => document.body.dataset.step === '0'"):
            page.wait_for_timeout(20)
        seconds = time.perf_counter() - t0
        page.close()
    return {"seconds": seconds}


FONT_PX = """() => {
  const svg = document.querySelector('#graph svg');
  const pane = document.getElementById('pane').getBoundingClientRect();
  const box = svg.getBoundingClientRect();
  const sizes = [...svg.querySelectorAll('g.node text')].map(t => t.getBoundingClientRect().height);
  sizes.sort((a, b) => a - b);
  return {min_text_px: sizes[0], median_text_px: sizes[sizes.length >> 1],
          whole_graph_visible: box.left >= pane.left - 1 && box.top >= pane.top - 1 &&
                               box.right <= pane.right + 1 && box.bottom <= pane.bottom + 1,
          graph_px: [box.width, box.height], pane_px: [pane.width, pane.height]};
}"""


def case(name: str) -> dict:
    """Run one case in this process; returns what it measured."""
    from stepgrad import draw, walkthrough
    from stepgrad.backward import topological_order
    from stepgrad.views import GraphTooBigError

    if name in ("values-5", "values-100"):
        loss = moons_loss(5 if name == "values-5" else 100)
        return {"value": f"{len(topological_order(loss)):,}"}
    if name == "draw-full-5":  # every value, as asked for with group=None
        loss = moons_loss(5)
        try:
            seconds, svg = timed(lambda: draw(loss, group=None).pipe("svg"))
        except GraphTooBigError as exc:
            return {"seconds": 0.0, "refused": str(exc)[:70] + "..."}
        return {"seconds": seconds, "bytes": len(svg)}
    if name == "draw-default-5":  # draw(loss) as a learner types it: grouped above 300 values
        loss = moons_loss(5)
        seconds, svg = timed(lambda: draw(loss).pipe("svg"))
        return {"seconds": seconds, "bytes": len(svg)}
    if name == "draw-grouped-100":
        loss = moons_loss(100)
        seconds, svg = timed(lambda: draw(loss, group="neuron").pipe("svg"))
        return {"seconds": seconds, "bytes": len(svg)}
    if name in ("page-full-5", "load-page-5"):
        loss = moons_loss(5)
        path = os.path.join(tempfile.mkdtemp(), "moons5.html")
        try:
            seconds, _ = timed(lambda: walkthrough(loss, path, group=None))
        except GraphTooBigError as exc:
            return {"seconds": 0.0, "refused": str(exc)[:70] + "..."}
        if name == "page-full-5":
            return {"seconds": seconds, "bytes": os.path.getsize(path)}
        return page_load_seconds(path)
    if name in ("page-grouped-100", "load-page-grouped-100"):
        loss = moons_loss(100)
        path = os.path.join(tempfile.mkdtemp(), "moons100.html")
        seconds, _ = timed(lambda: walkthrough(loss, path, group="neuron"))
        if name == "page-grouped-100":
            return {"seconds": seconds, "bytes": os.path.getsize(path)}
        return page_load_seconds(path)
    if name == "xor-font":
        from browser import chromium, open_page

        path = os.path.join(tempfile.mkdtemp(), "xor.html")
        walkthrough(xor_loss(), path)
        with chromium() as b:
            page, _ = open_page(b, path, 1400, 900)
            while not page.evaluate("() => document.body.dataset.step === '0'"):
                page.wait_for_timeout(20)
            return page.evaluate(FONT_PX)
    raise SystemExit(f"unknown case {name!r}")


CASES = list(BEFORE)


def show(name: str, result: dict) -> str:
    if "error" in result:
        return result["error"]
    if "value" in result:
        return result["value"]
    if "min_text_px" in result:
        whole = "whole graph" if result["whole_graph_visible"] else "part of the graph"
        return (f"{whole} at {result['min_text_px']:.1f}-{result['median_text_px']:.1f} px "
                f"(smallest-median text)")
    text = f"{result['seconds']:.2f} s"
    if "bytes" in result:
        text += f", {result['bytes'] / 1e6:.2f} MB"
    for key in ("refused", "said"):
        if key in result:
            text += f" ({key}: {result[key]})"
    return text


def run_case(name: str, timeout: float) -> dict:
    """One case in a fresh process, stopped after `timeout` seconds."""
    cmd = [sys.executable, os.path.abspath(__file__), "--case", name]
    # a session of its own, so that Graphviz and Chromium stop with the case on a timeout
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"error": f"stopped after {timeout:g} s"}
    if proc.returncode != 0:
        last = (err.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"failed: {last[:160]}"}
    result = json.loads(out.strip().splitlines()[-1])
    said = [line for line in err.splitlines() if line.strip()]
    if said and "error" not in result:
        result["said"] = said[0][:120]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated cases: " + ", ".join(CASES))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        try:
            out = case(args.case)
        except Exception as exc:  # reported in the table, not hidden
            out = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        print(json.dumps(out))
        return
    names = [n for n in args.only.split(",") if n] or CASES
    print(f"{'case':<24} {'before (e2271aa)':<22} now")
    for name in names:
        result = run_case(name, args.timeout)
        print(f"{name:<24} {BEFORE.get(name, ''):<22} {show(name, result)}", flush=True)


if __name__ == "__main__":
    main()
