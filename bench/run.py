"""Benchmark stepgrad against micrograd, side by side in one run, and print the ratios.

    python bench/run.py                 # everything (about three minutes on 2 cores)
    python bench/run.py --quick         # smaller graphs, fewer repeats (a smoke test)
    python bench/run.py --only moons,memory --repeat 9

micrograd 0.1.0 is installed from the package index into its own virtual environment
(bench/.venv-micrograd, created on the first run). Every workload runs in a fresh process per
engine; the code is the same file (bench/workloads.py), only the `Value` class differs.
Python's garbage collector stays on, as users run it. Times are CPU seconds of the process
(time.process_time) after one warm-up: for a training step the mean over the timed steps (a
full collection comes about every other step, so single steps differ), for a graph the median
of the timed repeats; wall-clock times are in the --json output too. With --baseline-python,
this checkout and the baseline run in turns (--rounds pairs of processes) and the ratio is the
median of the rounds' ratios: the shared machine's speed drifts more between runs than the
engines differ.

Targets (from the project's issues): a training step at least 5x faster than micrograd's, and at
most 0.4x micrograd's memory per graph node; with batch replay (stepgrad.batched) the moons step
at least 100x (pure Python) and 300x (numpy) faster than micrograd's at 100 points, 150x and
1,000x at 1,000 points.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads.py")
DEFAULT_VENV = os.path.join(HERE, ".venv-micrograd")
MICROGRAD = "micrograd==0.1.0"
SPEEDUP_TARGET = 5.0
MEMORY_TARGET = 0.4
AGREE = 1e-9  # both engines must compute the same numbers, up to rounding
ORDER = ["moons", "moons-freed", "moons-let-go", "nn", "batch", "chain", "sum", "memory"]
TRAINING = ("moons", "moons-freed", "moons-let-go", "nn")  # timed step by step: --steps of them
# batch replay (issue 11): (points, backend) -> at least this many times faster than micrograd
BATCH_TARGETS = {(100, "python"): 100.0, (100, "numpy"): 300.0, (1000, "python"): 150.0,
                 (1000, "numpy"): 1000.0}


def venv_python(venv: str) -> str:
    """The interpreter inside a virtual environment (POSIX or Windows layout)."""
    for sub in ("bin/python", "Scripts/python.exe"):
        path = os.path.join(venv, sub)
        if os.path.exists(path):
            return path
    return os.path.join(venv, "bin", "python")


def has_micrograd(python: str) -> bool:
    """True when `python` can import micrograd."""
    probe = [python, "-c", "import micrograd.engine, micrograd.nn"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def micrograd_python(venv: str) -> str:
    """Create the micrograd virtual environment if needed and return its interpreter."""
    python = venv_python(venv)
    if os.path.exists(python) and has_micrograd(python):
        return python
    if not os.path.exists(python):
        print(f"creating {venv} for {MICROGRAD} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        python = venv_python(venv)
    print(f"installing {MICROGRAD} into {venv} ...", flush=True)
    subprocess.run([python, "-m", "pip", "install", "-q", MICROGRAD], check=True)
    if not has_micrograd(python):
        raise SystemExit(f"{MICROGRAD} was installed into {venv} but cannot be imported")
    return python


def run_one(python: str, engine: str, workload: str, repeat: int, size: int) -> dict:
    """Run one workload on one engine in a fresh process; return its JSON result."""
    cmd = [python, WORKLOADS, engine, workload, "--repeat", str(repeat), "--size", str(size)]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # each engine sees only its own code
    # No workload uses numpy's BLAS, but once numpy is imported an idle BLAS thread may poll,
    # and CPU time counts every thread of the process: one thread, as the work is serial
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def training_row(label: str, sg: dict, mg: dict, notes: list[str]) -> list[str]:
    """Table row for a training step, plus notes on agreement between the engines."""
    speedup = mg["figure"] / sg["figure"]
    diffs = [abs(a - b) for a, b in zip(sg["losses"], mg["losses"], strict=True)]
    gdiff = max(abs(a - b) for a, b in zip(sg["first_grads"], mg["first_grads"], strict=True))
    notes.append(
        f"{label}: loss {sg['losses'][0]:.15f} (stepgrad) vs {mg['losses'][0]:.15f} "
        f"(micrograd) at step 1; largest loss difference over {len(diffs)} steps "
        f"{max(diffs):.1e}, largest gradient difference at step 1 {gdiff:.1e}; "
        f"{sg['parameters']} parameters; median step {ms(sg['median'])} vs {ms(mg['median'])}"
    )
    target = f">= {SPEEDUP_TARGET:g}x {verdict(speedup >= SPEEDUP_TARGET)}"
    if max(diffs) > AGREE or gdiff > AGREE:
        target = "engines disagree: FAIL"
    return [label, ms(sg["figure"]), ms(mg["figure"]), f"{speedup:.1f}x faster", target]


def graph_row(label: str, sg: dict, mg: dict, notes: list[str]) -> list[str]:
    """Table row for the chain and the sum (no target: shown for information)."""
    speedup = mg["median"] / sg["median"]
    notes.append(
        f"{label}: build {ms(min(sg['build']))} / backward {ms(min(sg['backward']))} (stepgrad) "
        f"vs {ms(min(mg['build']))} / {ms(min(mg['backward']))} (micrograd), best of each; "
        f"results {sg['result']:.6g} and {mg['result']:.6g}; micrograd's backward() with "
        f"Python's default recursion limit: {mg['default_limit']}, so it ran {mg['how']}; "
        f"stepgrad with the default limit: {sg['default_limit']}"
    )
    agree = abs(sg["result"] - mg["result"]) <= AGREE * max(1.0, abs(mg["result"]))
    target = "(no target)" if agree else "engines disagree: FAIL"
    return [label, ms(sg["median"]), ms(mg["median"]), f"{speedup:.1f}x faster", target]


def memory_rows(sg: dict, mg: dict, notes: list[str]) -> list[list[str]]:
    """Rows for bytes per node: build only (the target) and build + backward."""
    rows = []
    for key, label, target in [
        ("build_per_node", "memory per node, build", True),
        ("backward_per_node", "memory per node, build + backward", False),
    ]:
        ratio = sg[key] / mg[key]  # memory ratio = stepgrad / micrograd
        mark = f"<= {MEMORY_TARGET:g}x {verdict(ratio <= MEMORY_TARGET)}" if target else ""
        rows.append([label, f"{sg[key]:.0f} B", f"{mg[key]:.0f} B", f"{ratio:.2f}x", mark])
    mb = 1024 * 1024
    step = sg["step_peak"] / mg["step_peak"]
    rows.append(["memory of one moons step (peak)", f"{sg['step_peak'] / mb:.1f} MiB",
                 f"{mg['step_peak'] / mb:.1f} MiB", f"{step:.2f}x", "(no target)"])
    notes.append(
        f"memory: tracemalloc peak / nodes, {sg['nodes']:,} nodes on both engines "
        f"(leaves, x*y, relu, a + b; Value-with-Value operations only); kept after the "
        f"build: {sg['retained_per_node']:.0f} B vs {mg['retained_per_node']:.0f} B per node; "
        f"a moons step (forward + backward, constants such as 1 + x are not nodes in stepgrad) "
        f"has loss {sg['step_loss']:.15f} vs {mg['step_loss']:.15f}"
    )
    return rows


def batch_rows(sg: dict, mg: dict, notes: list[str]) -> list[list[str]]:
    """Rows for batch replay: each backend at each size against micrograd's own step."""
    rows = []
    for (points, backend), target in BATCH_TARGETS.items():
        label = f"batch replay, {points:,} points, {backend}"
        ours, theirs = sg[str(points)][backend], mg[str(points)]["micrograd"]
        if "skipped" in ours:
            rows.append([label, "-", ms(theirs["median"]), "-", "skipped"])
            notes.append(f"{label}: {ours['skipped']}")
            continue
        speedup = theirs["median"] / ours["median"]
        steps = min(len(ours["losses"]), len(theirs["losses"]))
        diff = max(abs(a - b) for a, b in zip(ours["losses"][:steps], theirs["losses"][:steps],
                                              strict=True))
        gdiff = max(abs(a - b) for a, b in zip(ours["first_grads"], theirs["first_grads"],
                                               strict=True))
        mark = f">= {target:g}x {verdict(speedup >= target)}"
        if diff > AGREE or gdiff > AGREE:
            mark = "engines disagree: FAIL"
        rows.append([label, ms(ours["median"]), ms(theirs["median"]), f"{speedup:.0f}x faster",
                     mark])
        notes.append(
            f"{label}: loss {ours['losses'][0]:.15f} vs {theirs['losses'][0]:.15f} (micrograd) "
            f"at step 1; largest loss difference over {steps} steps {diff:.1e}, largest "
            f"gradient difference at step 1 {gdiff:.1e}; samples run per sample (fallbacks) "
            f"{max(ours['fallbacks'])}; micrograd timed over {len(theirs['times'])} steps")
    return rows


def baseline_figures(workload: str, result: dict) -> dict | None:
    """The result a baseline comparison uses: for batch, the numpy backend at 1,000 points."""
    if result.get("error") or result.get("skipped"):
        return None
    if workload == "batch":
        result = result["1000"].get("numpy", result["1000"].get("micrograd", {}))
        return result if "median" in result else None
    return result


def baseline_row(workload: str, pairs: list[tuple[dict, dict]], mg: dict) -> list[str]:
    """This checkout against a baseline stepgrad (an earlier commit), on one workload, from
    `pairs` of (this checkout, baseline) results that ran in turns."""
    problem = next((r.get("error") for pair in pairs for r in pair if r.get("error")), None)
    if problem:
        return [workload, "-", "-", "-", "-", problem[:40]]
    found = [(baseline_figures(workload, a), baseline_figures(workload, b)) for a, b in pairs]
    found = [(a, b) for a, b in found if a is not None and b is not None]
    if not found:
        return [workload, "-", "-", "-", "-", "skipped"]
    mg = baseline_figures(workload, mg) or {}
    if "median" in found[0][0]:  # a time: ratio = baseline / this checkout (above 1: faster now)
        key = "figure" if "figure" in found[0][0] else "median"
        ratios = sorted(b[key] / a[key] for a, b in found)
        ours = statistics.median(a[key] for a, _ in found)
        theirs = statistics.median(b[key] for _, b in found)
        vs_mg = f"{mg[key] / theirs:.1f}x faster" if key in mg else "-"
        spread = f"{ratios[0]:.2f}-{ratios[-1]:.2f}" if len(ratios) > 1 else "-"
        return [workload, ms(ours), ms(theirs), f"{statistics.median(ratios):.2f}x faster",
                spread, vs_mg]
    sg, base = found[0]
    key = "build_per_node"  # memory: ratio = this checkout / baseline (below 1: smaller now)
    return [f"{workload} per node", f"{sg[key]:.0f} B", f"{base[key]:.0f} B",
            f"{sg[key] / base[key]:.2f}x", "-", f"{base[key] / mg[key]:.2f}x"]


def print_table(rows: list[list[str]], header: list[str] | None = None) -> None:
    header = header or ["workload", "stepgrad", "micrograd", "ratio", "target"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                        enumerate(zip(r, widths, strict=True))).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare stepgrad with micrograd on the same workloads and print ratios.",
        epilog="Workloads: moons (micrograd's demo training step built from Values), nn "
        "(the same step with each library's MLP class), chain (a deep chain), sum (sum of N "
        "Values), memory (bytes per graph node), batch (the moons step at 100 and 1,000 points "
        "with stepgrad.batched, both backends, against micrograd's step); moons-freed is the "
        "moons step with the previous graph freed and collected before each step (untimed), "
        "moons-let-go the step of a loop that sets the previous loss to None first (timed).",
    )
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed repeats of a graph after one warm-up (default 5, --quick 2)")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed training steps after one warm-up (default 12, --quick 3)")
    parser.add_argument("--size", type=int, default=None,
                        help="nodes in chain/sum/memory (default 100000, --quick 20000)")
    parser.add_argument("--quick", action="store_true", help="smaller and fewer: a smoke test")
    parser.add_argument("--only", default=",".join(ORDER),
                        help=f"comma-separated workloads (default: {','.join(ORDER)})")
    parser.add_argument("--venv", default=DEFAULT_VENV,
                        help="where to create micrograd's virtual environment")
    parser.add_argument("--micrograd-python", default=None,
                        help="use this interpreter (with micrograd installed) instead of --venv")
    parser.add_argument("--json", default=None, help="also write the raw results to this file")
    parser.add_argument("--baseline-python", default=None,
                        help="also run stepgrad from this interpreter (say, a venv with an "
                        "earlier commit installed) and print this checkout's ratio to it")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --baseline-python: how many times this checkout and the "
                        "baseline run in turns on each workload (default 3)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (2 if args.quick else 5)
    steps = args.steps or (3 if args.quick else 12)
    size = args.size or (20_000 if args.quick else 100_000)
    chosen = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = sorted(set(chosen) - set(ORDER))
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(ORDER)}")

    mg_python = args.micrograd_python or micrograd_python(args.venv)
    if not has_micrograd(mg_python):
        raise SystemExit(f"{mg_python} cannot import micrograd")
    print(f"stepgrad: this checkout, {sys.executable}")
    print(f"micrograd: {mg_python}")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), garbage collector ON "
          f"in every workload; {steps} timed training steps and {repeat} timed repeats of a "
          f"graph after a warm-up, graphs of {size:,} nodes")
    print("Times are CPU time (time.process_time): the mean of a training step, the median of "
          "a graph, building, backward and freeing included; ratio = micrograd / stepgrad.")
    print()

    start = time.perf_counter()
    results: dict[str, dict[str, dict]] = {}
    rows: list[list[str]] = []
    baseline_rows: list[list[str]] = []
    notes: list[str] = []
    for workload in [w for w in ORDER if w in chosen]:
        n = steps if workload in TRAINING else repeat
        sg = run_one(sys.executable, "stepgrad", workload, n, size)
        mg = run_one(mg_python, "micrograd", workload, n, size)
        results[workload] = {"stepgrad": sg, "micrograd": mg}
        if args.baseline_python:  # in turns: this checkout, the baseline, this checkout, ...
            rounds = 1 if workload == "memory" else max(1, args.rounds)
            pairs = []
            for i in range(rounds):
                ours = sg if i == 0 else run_one(sys.executable, "stepgrad", workload, n, size)
                pairs.append((ours, run_one(args.baseline_python, "stepgrad", workload, n, size)))
            results[workload]["baseline"] = [b for _, b in pairs]
            results[workload]["rounds"] = [a for a, _ in pairs]
            baseline_rows.append(baseline_row(workload, pairs, mg))
        problem = sg.get("error") or mg.get("error") or sg.get("skipped")
        if problem:
            rows.append([workload, "-", "-", "-", "skipped"])
            notes.append(f"{workload}: {problem}")
        elif workload == "moons":
            rows.append(training_row("moons step (MLP from Values)", sg, mg, notes))
        elif workload == "moons-freed":
            rows.append(training_row("moons step, previous graph freed first", sg, mg, notes))
        elif workload == "moons-let-go":
            rows.append(training_row("moons step, loop lets go of the last loss", sg, mg, notes))
        elif workload == "nn":
            rows.append(training_row("moons step (nn.MLP vs micrograd.nn)", sg, mg, notes))
        elif workload == "batch":
            rows.extend(batch_rows(sg, mg, notes))
        elif workload == "chain":
            rows.append(graph_row(f"deep chain, depth {size:,}", sg, mg, notes))
        elif workload == "sum":
            rows.append(graph_row(f"sum() of {size:,} Values", sg, mg, notes))
        else:
            rows.extend(memory_rows(sg, mg, notes))
        print(f"  {workload} done ({time.perf_counter() - start:.0f} s)", flush=True)

    print()
    print_table(rows)
    if baseline_rows:
        print()
        print(f"this checkout against the baseline ({args.baseline_python}), same run, "
              f"{max(1, args.rounds)} rounds in turns, memory one (times: median of the rounds):")
        print_table(baseline_rows, ["workload", "this checkout", "baseline", "ratio",
                                    "rounds", "baseline vs micrograd"])
    print()
    for note in notes:
        print(f"- {note}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    failed = any(r[-1].endswith("FAIL") for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
