"""The HTML, CSS and JavaScript of the walkthrough page (filled in by autograd/walkthrough.py).

Placeholders: %%TITLE%% (HTML-escaped), %%DATA%% (JSON, escaped for <script>), %%SVG%% (the
graph from Graphviz). Everything is inline: the page makes no network request.

The script reads the steps from the JSON and only displays them: every number on the page
was computed and formatted in Python by the same BackwardPass the REPL uses.
"""

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';
               img-src data:">
<title>%%TITLE%%</title>
<style>
  :root { --ink: #1f2933; --soft: #52606d; --hl: #d9480f; --hl-fill: #fff1e6; --line: #d9dee4;
          --dim: #c5cbd3; --dim-text: #9aa5b1; --bg: #f7f8fa; }
  * { box-sizing: border-box; }
  html, body { height: 100%; margin: 0; }
  body { display: flex; flex-direction: column; background: var(--bg); color: var(--ink);
         font: 17px/1.4 Helvetica, Arial, sans-serif; }
  header { background: #fff; border-bottom: 1px solid var(--line); padding: 10px 18px 12px; }
  .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; }
  h1 { font-size: 20px; margin: 0 12px 0 0; font-weight: 600; }
  .controls { display: flex; align-items: center; gap: 6px; }
  button, select { font: inherit; font-size: 16px; color: var(--ink); background: #fff;
         border: 1px solid #b8c0ca; border-radius: 6px; padding: 5px 12px; cursor: pointer; }
  button:hover { background: #f0f3f6; }
  button:disabled { color: var(--dim-text); border-color: var(--line); cursor: default;
         background: #fff; }
  button.primary { background: var(--ink); color: #fff; border-color: var(--ink); min-width: 92px; }
  button.primary:hover { background: #323f4b; }
  #counter { font-variant-numeric: tabular-nums; font-weight: 600; font-size: 18px;
         min-width: 130px; }
  label { color: var(--soft); font-size: 15px; }
  #scrub { flex: 1; min-width: 160px; accent-color: var(--hl); }
  #explain { margin-top: 10px; display: flex; flex-wrap: wrap; align-items: baseline;
         gap: 4px 22px; min-height: 62px; }
  #formula { font-size: 22px; font-weight: 600; }
  #equation { font-size: 22px; font-variant-numeric: tabular-nums; }
  #equation .num { font-weight: 700; color: var(--hl); padding: 0 2px; }
  #equation .what { color: var(--soft); font-size: 16px; }
  #line { flex-basis: 100%; font: 15px/1.3 "DejaVu Sans Mono", Menlo, Consolas, monospace;
         color: var(--soft); }
  #pane { flex: 1; overflow: auto; position: relative; background: #fff; }
  #graph { padding: 12px; width: max-content; }
  #graph svg { display: block; }
  footer { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; font-size: 14px;
         color: var(--soft); background: #fff; border-top: 1px solid var(--line);
         padding: 6px 18px; }
  footer button { font-size: 14px; padding: 2px 10px; }
  kbd { font: 13px monospace; border: 1px solid #b8c0ca; border-bottom-width: 2px;
        border-radius: 4px; padding: 0 5px; background: #f7f8fa; }
  .swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px;
        vertical-align: -2px; margin-right: 4px; border: 2px solid var(--hl);
        background: var(--hl-fill); }
  .swatch.dim { border: 1px solid var(--dim); background: #f6f7f9; }
  /* the graph: CSS rules beat Graphviz's presentation attributes */
  g.node.unreached path, g.node.unreached ellipse, g.node.unreached polygon {
      stroke: var(--dim); fill: #f6f7f9; }
  g.node.unreached text { fill: var(--dim-text); }
  g.edge.unreached path { stroke: var(--dim); }
  g.edge.unreached polygon { stroke: var(--dim); fill: var(--dim); }
  g.edge.unreached text { fill: var(--dim-text); }
  g.node.hl path, g.node.hl ellipse, g.node.hl polygon { stroke: var(--hl); stroke-width: 3px;
      fill: var(--hl-fill); }
  g.node.hl text { fill: var(--ink); }
  g.node.hl text.grad.fresh { fill: var(--hl); font-weight: bold; }
  g.node.hl.op text { fill: var(--hl); font-weight: bold; }
  g.edge.hl path { stroke: var(--hl); stroke-width: 3.5px; }
  g.edge.hl polygon { stroke: var(--hl); fill: var(--hl); }
  g.edge.hl text { fill: var(--hl); font-weight: bold; }
  g.edge.hl-out path { stroke: var(--hl); stroke-width: 2.5px; }
  g.edge.hl-out polygon { stroke: var(--hl); fill: var(--hl); }
  g.node.found path, g.node.found polygon { stroke: #1971c2; stroke-width: 5px; }
  #pane.dragging { cursor: grabbing; }
  #find { font: inherit; font-size: 14px; width: 11em; padding: 2px 6px; border-radius: 6px;
          border: 1px solid #b8c0ca; }
  #found { min-width: 6em; }
</style>
</head>
<body>
<header>
  <div class="bar">
    <h1>%%TITLE%%</h1>
    <div class="controls">
      <button id="first" title="First step (Home)">&laquo; First</button>
      <button id="prev" title="Previous step (&#x2190;)">&lsaquo; Prev</button>
      <button id="play" class="primary" title="Play / pause (Space)">&#x25B6; Play</button>
      <button id="next" title="Next step (&#x2192;)">Next &rsaquo;</button>
      <button id="last" title="Last step (End)">Last &raquo;</button>
    </div>
    <label>speed <select id="speed" title="Steps per second when playing">
      <option value="0.5">0.5 / s</option><option value="1" selected>1 / s</option>
      <option value="2">2 / s</option><option value="4">4 / s</option>
      <option value="10">10 / s</option><option value="30">30 / s</option>
    </select></label>
    <span id="counter">step 0 / 0</span>
    <input id="scrub" type="range" min="0" max="0" value="0" aria-label="step">
  </div>
  <div id="explain">
    <span id="formula"></span>
    <span id="equation"></span>
    <span id="line"></span>
  </div>
</header>
<main id="pane"><div id="graph">%%SVG%%</div></main>
<footer>
  <span><kbd>&#x2190;</kbd> <kbd>&#x2192;</kbd> step &nbsp;
    <kbd>Home</kbd> <kbd>End</kbd> first / last
    &nbsp; <kbd>Space</kbd> play / pause</span>
  <span><span class="swatch"></span>the edge being applied and its two values</span>
  <span><span class="swatch dim"></span>not reached yet</span>
  <span><kbd>Shift</kbd>+arrows, drag or wheel: move and zoom</span>
  <label>find <input id="find" type="search" placeholder="a value's name" list="names"
    title="Type a value's name (such as L1.n2.w1) and press Enter"></label>
  <datalist id="names"></datalist><span id="found"></span>
  <span style="flex:1"></span>
  <span>zoom <button id="zoom-out" title="Zoom out (-)">&minus;</button>
    <button id="zoom-fit" title="Fit the whole graph (0)">fit</button>
    <button id="zoom-in" title="Zoom in (+)">+</button></span>
  <label><input type="checkbox" id="follow" checked> follow the step</label>
</footer>
<script type="application/json" id="data">%%DATA%%</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const steps = data.steps, N = steps.length;
  const $ = (id) => document.getElementById(id);
  const svg = document.querySelector("#graph svg");
  const pane = $("pane");

  // ---- find every value box, its gradient text, and the pieces that belong to it ----------
  const owned = {};  // "n<i>" -> the operation op<i>, its edge o<i> and its input edges e<i>_k
  for (const el of svg.querySelectorAll("g[id]")) {
    const m = /^(?:op|o|e)(\d+)(?:_\d+)?$/.exec(el.id);
    if (m) (owned["n" + m[1]] = owned["n" + m[1]] || []).push(el);
  }
  const nodes = data.nodes.map((n) => {
    const g = document.getElementById(n.id);
    const texts = g.querySelectorAll("text");
    const gradText = texts[texts.length - 1];  // name, data, grad: grad is the last line
    gradText.classList.add("grad");
    if (n.op) document.getElementById(n.op).classList.add("op");
    return { id: n.id, name: n.name, g, gradText, box: g.querySelector("path, polygon"),
             parts: [g, ...(owned[n.id] || [])], start: n.start, shown: null, dim: null };
  });
  function centre() {  // each gradient in the middle of its box, whatever its width
    for (const n of nodes) {
      if (!n.box) continue;
      const bb = n.box.getBBox();
      n.gradText.setAttribute("x", String(bb.x + bb.width / 2));
      n.gradText.setAttribute("text-anchor", "middle");
    }
  }
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));

  // ---- per value: the steps that change its gradient, and the step that first reaches it --
  const changes = {}, first = {};
  if (N > 0) first[data.root] = 1;
  steps.forEach((s, i) => {
    for (const [id, text] of (s.grads || [[s.input, s.grad]])) {  // grouped: several boxes
      (changes[id] = changes[id] || []).push([i + 1, text]);
      if (!(id in first)) first[id] = i + 1;
    }
  });
  function gradAt(n, k) {  // the gradient text of value n after step k (k >= first[n])
    const list = changes[n.id];
    if (!list || list[0][0] > k) return n.start;
    let lo = 0, hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid][0] <= k) lo = mid; else hi = mid - 1;
    }
    return list[lo][1];
  }

  // ---- showing step k -------------------------------------------------------------------
  let k = 0, lit = [];
  const esc = (t) => String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  function show(target) {
    k = Math.max(0, Math.min(N, target));
    for (const n of nodes) {
      const reached = k >= 1 && first[n.id] !== undefined && k >= first[n.id];
      const text = "grad " + (reached ? gradAt(n, k) : "?");
      if (n.shown !== text) { n.gradText.textContent = text; n.shown = text; }
      const dim = k >= 1 && !reached;
      if (n.dim !== dim) {
        for (const el of n.parts) el.classList.toggle("unreached", dim);
        n.dim = dim;
      }
    }
    for (const [el, cls] of lit) el.classList.remove(cls);
    lit = [];
    const s = steps[k - 1];
    if (s && s.lit) {  // a step of a grouped pass (walkthrough_grouped.py)
      for (const [id, cls] of s.lit) {
        const el = document.getElementById(id);
        if (el) { el.classList.add(cls); lit.push([el, cls]); }
      }
      for (const [id] of s.grads) {
        byId[id].gradText.classList.add("fresh"); lit.push([byId[id].gradText, "fresh"]);
      }
      $("formula").textContent = s.formula;
      $("equation").innerHTML = '<span class="what">' + esc(s.what) + "</span> " +
        s.grads.map(([id, t]) => esc(byId[id].name) + ' grad <span class="num">' + esc(t) +
                    "</span>").join(", ");
      $("line").textContent = s.line;
    } else if (s) {
      const i = s.node.slice(1);
      for (const [id, cls] of [[s.node, "hl"], [s.input, "hl"], ["op" + i, "hl"],
                               [s.edge, "hl"], ["o" + i, "hl-out"]]) {
        const el = document.getElementById(id);
        if (el) { el.classList.add(cls); lit.push([el, cls]); }
      }
      byId[s.input].gradText.classList.add("fresh");
      lit.push([byId[s.input].gradText, "fresh"]);
      $("formula").textContent = s.formula;
      $("equation").innerHTML =
        '<span class="what">upstream</span> <span class="num">' + esc(s.upstream) +
        '</span> &times; <span class="what">local</span> <span class="num">' + esc(s.local) +
        '</span> = <span class="num">' + esc(s.contribution) + '</span> <span class="what">' +
        "added to " + esc(s.input_name) + ".grad, now</span> " +
        '<span class="num">' + esc(s.grad) + "</span>";
      $("line").textContent = s.line;
    } else {
      $("formula").textContent = "Forward pass";
      $("equation").innerHTML = '<span class="what">every value is computed; no gradient yet. ' +
        (N ? "Next: the backward pass starts at " + esc(data.root_name) + " with grad " +
             esc(data.seed) + "." : esc(data.root_name) + " depends on nothing: no steps.") +
        "</span>";
      $("line").textContent = "";
    }
    $("counter").textContent = "step " + k + " / " + N;
    $("scrub").value = String(k);
    $("first").disabled = $("prev").disabled = k === 0;
    $("next").disabled = $("last").disabled = k === N;
    document.body.dataset.step = String(k);
    if (s && $("follow").checked) {
      follow(s.lit ? s.lit.map(([id]) => document.getElementById(id))
                   : [byId[s.node].g, byId[s.input].g, document.getElementById(s.edge)]);
    }
  }

  function follow(els) {  // scroll the pane so that the step is in view (only if it is not)
    const p = pane.getBoundingClientRect(), m = 30;
    let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
    for (const el of els) {
      if (!el) continue;
      const q = el.getBoundingClientRect();
      l = Math.min(l, q.left); t = Math.min(t, q.top);
      r = Math.max(r, q.right); b = Math.max(b, q.bottom);
    }
    if (l < p.left + m || r > p.right - m) pane.scrollLeft += (l + r) / 2 - (p.left + p.right) / 2;
    if (t < p.top + m || b > p.bottom - m) pane.scrollTop += (t + b) / 2 - (p.top + p.bottom) / 2;
  }

  // ---- playing ------------------------------------------------------------------------------
  let timer = null;
  function stop() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    $("play").innerHTML = "&#x25B6; Play";
  }
  function tick() {
    if (k >= N) { stop(); return; }
    show(k + 1);
    timer = k >= N ? (stop(), null) : setTimeout(tick, 1000 / Number($("speed").value));
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (k >= N) show(0);
    $("play").innerHTML = "&#x25AE;&#x25AE; Pause";
    timer = setTimeout(tick, 1000 / Number($("speed").value));
  }

  // ---- zoom ---------------------------------------------------------------------------------
  const pt = (v) => parseFloat(v) * (String(v).endsWith("pt") ? 4 / 3 : 1);
  const W = pt(svg.getAttribute("width")), H = pt(svg.getAttribute("height"));
  svg.removeAttribute("width"); svg.removeAttribute("height");
  let zoom = 1;
  function setZoom(z) {
    zoom = Math.max(0.1, Math.min(4, z));
    svg.style.width = (W * zoom) + "px"; svg.style.height = (H * zoom) + "px";
  }
  const fitZoom = () => Math.min((pane.clientWidth - 30) / W, (pane.clientHeight - 30) / H);

  function zoomAt(z, cx, cy) {  // zoom keeping the graph's point under (cx, cy) in place
    const p = pane.getBoundingClientRect();
    const x = (pane.scrollLeft + cx - p.left) / zoom, y = (pane.scrollTop + cy - p.top) / zoom;
    setZoom(z);
    pane.scrollLeft = x * zoom - (cx - p.left);
    pane.scrollTop = y * zoom - (cy - p.top);
  }
  // In a notebook's frame the wheel must still scroll the notebook: zoom there with Ctrl held.
  const framed = window.self !== window.top;
  pane.addEventListener("wheel", (e) => {
    if (framed && !e.ctrlKey && !e.metaKey) return;
    e.preventDefault();
    zoomAt(zoom * Math.pow(1.0015, -e.deltaY), e.clientX, e.clientY);
  }, { passive: false });
  let drag = null;
  pane.addEventListener("mousedown", (e) => {
    if (e.button !== 0) return;
    drag = [e.clientX, e.clientY, pane.scrollLeft, pane.scrollTop];
    pane.classList.add("dragging"); e.preventDefault();
    window.focus();  // no default action, so focus the page by hand: the keys then step it
  });
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    pane.scrollLeft = drag[2] - (e.clientX - drag[0]);
    pane.scrollTop = drag[3] - (e.clientY - drag[1]);
  });
  window.addEventListener("mouseup", () => { drag = null; pane.classList.remove("dragging"); });

  // ---- find a value by name ---------------------------------------------------------------
  let foundEl = null;
  $("names").innerHTML = nodes.map((n) => '<option value="' + esc(n.name).replace(/"/g, "&quot;") +
                                          '">').join("");
  function find(query) {
    if (foundEl) foundEl.classList.remove("found");
    foundEl = null;
    const q = query.trim().toLowerCase();
    if (!q) { $("found").textContent = ""; return; }
    const n = nodes.find((m) => m.name.toLowerCase() === q) ||
              nodes.find((m) => m.name.toLowerCase().startsWith(q)) ||
              nodes.find((m) => m.name.toLowerCase().includes(q));
    if (!n) { $("found").textContent = "not found"; return; }
    foundEl = n.g; n.g.classList.add("found");
    $("found").textContent = n.name;
    const p = pane.getBoundingClientRect(), q2 = n.g.getBoundingClientRect();
    pane.scrollLeft += (q2.left + q2.right) / 2 - (p.left + p.right) / 2;
    pane.scrollTop += (q2.top + q2.bottom) / 2 - (p.top + p.bottom) / 2;
  }
  $("find").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { find($("find").value); e.preventDefault(); }
    if (e.key === "Escape") { $("find").value = ""; find(""); $("find").blur(); }
    e.stopPropagation();
  }, true);

  // ---- wiring -------------------------------------------------------------------------------
  const act = { first: () => show(0), prev: () => show(k - 1), next: () => show(k + 1),
                last: () => show(N), play: play,
                "zoom-in": () => setZoom(zoom * 1.25), "zoom-out": () => setZoom(zoom / 1.25),
                "zoom-fit": () => setZoom(fitZoom()) };
  for (const [id, f] of Object.entries(act)) {
    $(id).addEventListener("click", (e) => {
      if (id !== "play" && !id.startsWith("zoom")) stop();
      f(); e.currentTarget.blur();
    });
  }
  $("scrub").max = String(N);
  $("scrub").addEventListener("input", () => { stop(); show(Number($("scrub").value)); });
  $("scrub").addEventListener("change", () => $("scrub").blur());
  $("speed").addEventListener("change", () => $("speed").blur());
  window.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target === $("find")) return;
    const pan = { ArrowLeft: [-120, 0], ArrowRight: [120, 0], ArrowUp: [0, -120],
                  ArrowDown: [0, 120] }[e.key];
    if (e.shiftKey && pan) {
      pane.scrollLeft += pan[0]; pane.scrollTop += pan[1]; e.preventDefault(); return;
    }
    if (e.key === "/" || e.key === "f") { e.preventDefault(); $("find").focus(); return; }
    const keys = { ArrowRight: act.next, ArrowLeft: act.prev, Home: act.first, End: act.last,
                   " ": play, "+": act["zoom-in"], "=": act["zoom-in"], "-": act["zoom-out"],
                   "0": act["zoom-fit"] };
    const f = keys[e.key];
    if (!f) return;
    e.preventDefault();
    if (e.key !== " " && !"+=-0".includes(e.key)) stop();
    f();
  }, true);

  const measure = () => { centre(); setZoom(Math.min(1, Math.max(fitZoom(), 0.75))); };
  measure();
  show(0);
  // In a sandboxed frame (a notebook output) the browser may lay the page out only for its
  // first paint, after this script has run: measure again then.
  requestAnimationFrame(() => { measure(); show(k); });
})();
</script>
</body>
</html>
"""
