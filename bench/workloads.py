"""The benchmark workloads, run once per engine in a fresh process by `bench/run.py`.

    python bench/workloads.py ENGINE WORKLOAD [--repeat N] [--size N]

ENGINE is `stepgrad` (this checkout) or `micrograd` (run with a Python that has micrograd
installed); the result is one line of JSON on stdout. Both engines run the *same* code below:
only the `Value` class differs. Python's garbage collector stays on, as users run it.

Workloads:
    moons    micrograd's moons demo, one training step: MLP(2, [16, 16, 1]) with ReLU hidden
             layers built from Values, 100 points, SVM max-margin loss + 1e-4 L2, backward, SGD.
    nn       the same step with each library's own MLP class (stepgrad's nn.MLP vs
             micrograd.nn.MLP), both loaded with the same weights.
    chain    a deep chain x = relu(x * a + b), Value-with-Value ops, one node per op.
    sum      sum() of N leaf Values, as users write it.
    memory   tracemalloc peak per node while building (and backpropagating) a graph.
    batch    the moons step at 100 and 1,000 points: micrograd's own step against stepgrad's
             batch replay (stepgrad.batched), pure-Python and numpy backends.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import sys
import threading
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 1337
SIZES = [2, 16, 16, 1]  # MLP(2, [16, 16, 1])


# ----- the engine under test ------------------------------------------------------------------


def load_engine(engine: str):
    """Return (Value, zero_grad(param), version string) for `engine`."""
    if engine == "stepgrad":
        try:
            from stepgrad import Value
        except ImportError:
            raise SystemExit(
                "bench: stepgrad is not installed in this Python. From the checkout run "
                "`pip install -e .`, then run the benchmark with that same Python."
            ) from None

        def zero_grad(p):
            p.zero_grad()

        return Value, zero_grad, "checkout"
    if engine == "micrograd":
        from importlib.metadata import version

        from micrograd.engine import Value

        def zero_grad(p):
            p.grad = 0

        return Value, zero_grad, version("micrograd")
    raise SystemExit(f"unknown engine {engine!r}: use stepgrad or micrograd")


# ----- shared data: identical on both engines, from SEED -------------------------------------


def make_moons(n: int = 100, noise: float = 0.1, seed: int = SEED):
    """Two interleaving half circles with Gaussian noise; labels -1 / +1 (no sklearn)."""
    rng = random.Random(seed)
    half = n // 2
    xs, ys = [], []
    for i in range(half):  # upper moon, label -1
        t = math.pi * i / (half - 1)
        xs.append([math.cos(t), math.sin(t)])
        ys.append(-1)
    for i in range(n - half):  # lower moon, label +1
        t = math.pi * i / (n - half - 1)
        xs.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        ys.append(1)
    for row in xs:
        row[0] += rng.gauss(0.0, noise)
        row[1] += rng.gauss(0.0, noise)
    return xs, ys


def initial_weights(seed: int = SEED) -> list[list[tuple[list[float], float]]]:
    """Per layer, per neuron: (weights uniform in [-1, 1], bias 0), as micrograd's nn draws."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1.0, 1.0) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in zip(SIZES, SIZES[1:], strict=False)
    ]


# ----- workload 1: micrograd's moons demo step, the MLP built from Values ---------------------


class ValueMLP:
    """micrograd's Neuron/Layer/MLP, written out with Values: relu(sum(wi*xi) + b)."""

    def __init__(self, Value, weights):
        self.layers = [[([Value(w) for w in ws], Value(b)) for ws, b in layer] for layer in weights]
        self.params = [p for layer in self.layers for ws, b in layer for p in (*ws, b)]

    def parameters(self):
        return self.params

    def __call__(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            out = []
            for ws, b in layer:
                act = sum((wi * xi for wi, xi in zip(ws, x, strict=True)), b)  # micrograd's Neuron
                out.append(act.relu() if i != last else act)
            x = out
        return x[0]


def demo_loss(Value, model, xs, ys):
    """micrograd's demo loss: mean SVM max-margin loss + 1e-4 * sum of squared parameters."""
    inputs = [list(map(Value, row)) for row in xs]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (si.data > 0) for yi, si in zip(ys, scores, strict=True)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


def backward_and_update(total_loss, params, zero_grad, k: int) -> list[float]:
    """The demo's step after the forward pass: zero the gradients, backward(), then SGD with
    micrograd's decaying rate for step k. Returns the gradients the update used."""
    for p in params:
        zero_grad(p)
    total_loss.backward()
    grads = [p.grad for p in params]
    lr = 1.0 - 0.9 * k / 100
    for p, g in zip(params, grads, strict=True):
        p.data -= lr * g
    return grads


def training_steps(Value, zero_grad, model, repeat: int, freed: bool = False,
                   points: int = 100, let_go: bool = False) -> dict:
    """The demo's loop: forward, zero_grad, backward, SGD; time every step (warm-up first).

    freed: before each step (untimed), drop the previous step's graph and run a full
    collection, so no step pays for freeing the one before. The demo loop keeps the previous
    loss alive until the new one replaces it; micrograd's graphs are reference cycles, which
    only the cycle collector frees, so the two figures differ most for micrograd.

    let_go: the loop sets the previous loss to None before it builds the next (timed, with
    no extra collection): what a learner can do in their own loop.
    """
    xs, ys = make_moons(points)
    params = model.parameters()
    times, cpu, losses, accs = [], [], [], []
    first_grads = None
    total_loss = None
    for k in range(repeat + 1):
        if freed:
            total_loss = None
            gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        if let_go:
            total_loss = None
        total_loss, acc = demo_loss(Value, model, xs, ys)
        grads = backward_and_update(total_loss, params, zero_grad, k)
        first_grads = grads if k == 0 else first_grads
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        losses.append(total_loss.data)
        accs.append(acc)
    del total_loss
    return {
        "wall": times[1:],
        "times": cpu[1:],
        "warmup": cpu[0],
        "losses": losses,
        "accuracy": accs,
        "first_grads": first_grads,
        "parameters": len(params),
    }


def moons(Value, zero_grad, repeat: int, size: int) -> dict:
    model = ValueMLP(Value, initial_weights())
    return training_steps(Value, zero_grad, model, repeat)


def moons_freed(Value, zero_grad, repeat: int, size: int) -> dict:
    """The moons step with the previous graph freed and collected before each step."""
    model = ValueMLP(Value, initial_weights())
    return training_steps(Value, zero_grad, model, repeat, freed=True)


def moons_let_go(Value, zero_grad, repeat: int, size: int) -> dict:
    """The moons step, with the loop letting go of the previous loss before the next."""
    model = ValueMLP(Value, initial_weights())
    return training_steps(Value, zero_grad, model, repeat, let_go=True)


def nn_moons(Value, zero_grad, repeat: int, size: int, engine: str) -> dict:
    """The same step with the library's own MLP class, loaded with the same weights."""
    if engine == "stepgrad":
        from stepgrad.nn import MLP

        model = MLP(2, SIZES[1:], activation="relu", output_activation="linear")
    else:
        from micrograd.nn import MLP

        model = MLP(2, SIZES[1:])
    params = model.parameters()
    flat = [v for layer in initial_weights() for ws, b in layer for v in (*ws, b)]
    if len(params) != len(flat):
        raise SystemExit(f"{engine} MLP has {len(params)} parameters, expected {len(flat)}")
    for p, v in zip(params, flat, strict=True):  # both list weights then bias, neuron by neuron
        p.data = v
    out = training_steps(Value, zero_grad, model, repeat)
    if engine == "stepgrad":
        out["zero_grad"] = "model.zero_grad()"
    return out


# ----- the moons step with batch replay (stepgrad.batched) against micrograd's own step -------

BATCH_POINTS = (100, 1000)


def batched_steps(Value, zero_grad, model, repeat: int, points: int, backend: str) -> dict:
    """The moons step with stepgrad.batched: the same data loss (the mean of each point's
    SVM loss), the same L2 term, backward, SGD, timed like training_steps."""
    from stepgrad import batched

    xs, ys = make_moons(points)
    params = model.parameters()
    step = batched(lambda x, y: (1 + -y * model(x)).relu(), backend=backend)
    cpu, wall, losses, fallbacks = [], [], [], []
    first_grads = None
    for k in range(repeat + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        total_loss = step(xs, ys) + 1e-4 * sum(p * p for p in params)
        grads = backward_and_update(total_loss, params, zero_grad, k)
        first_grads = grads if k == 0 else first_grads
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        losses.append(total_loss.data)
        fallbacks.append(total_loss.fallbacks)
    return {"times": cpu[1:], "wall": wall[1:], "warmup": cpu[0], "losses": losses,
            "first_grads": first_grads, "fallbacks": fallbacks, "parameters": len(params)}


def batch(Value, zero_grad, repeat: int, size: int, engine: str) -> dict:
    """The moons step at 100 and 1,000 points: micrograd's own step, or stepgrad's batch
    replay with each backend (pure Python; numpy when it is installed)."""
    out: dict = {}
    for points in BATCH_POINTS:
        if engine == "micrograd":  # a step at 1,000 points takes ~15 s: fewer repeats
            def step(points=points):
                return training_steps(Value, zero_grad, ValueMLP(Value, initial_weights()),
                                      repeat if points <= 100 else max(1, repeat // 2),
                                      points=points)

            # micrograd's recursive backward() needs a deeper stack at 1,000 points (a sum
            # of 1,000 losses is 1,000 levels deep): run it as the chain workload does
            runs = {"micrograd": step() if points <= 100 else in_big_stack(step, 4 * points)}
        else:
            runs = {}
            for backend in ("python", "numpy"):
                if backend == "numpy":
                    try:
                        import numpy  # noqa: F401
                    except ImportError:
                        runs[backend] = {"skipped": "numpy is not installed"}
                        continue
                runs[backend] = batched_steps(Value, zero_grad,
                                              ValueMLP(Value, initial_weights()),
                                              repeat, points, backend)
        for run in runs.values():
            if "times" in run:
                run["median"] = statistics.median(run["times"])
                run["mean"] = statistics.fmean(run["times"])
        out[str(points)] = runs
    return out


# ----- workloads 2 and 3: a deep chain and a wide sum ----------------------------------------


def in_big_stack(fn, depth: int):
    """Run fn() in a thread with a 512 MiB stack and a recursion limit above `depth`.

    micrograd's backward() sorts the graph with a recursive function, one Python frame per
    level, so a graph `depth` levels deep needs a recursion limit above `depth`.
    """
    result: dict = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as exc:  # reported, not hidden
            result["error"] = f"{type(exc).__name__}: {exc}"

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, 4 * depth + 1000))
    threading.stack_size(512 * 1024 * 1024)
    try:
        t = threading.Thread(target=target)
        t.start()
        t.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in result:
        raise RuntimeError(result["error"])
    return result["value"]


def default_limit_check(build, depth: int) -> str:
    """Does backward() work at this depth with Python's default recursion limit (1000)?"""
    root = build(depth)
    try:
        root.backward()
        return "ok"
    except RecursionError:
        return f"RecursionError (recursion limit {sys.getrecursionlimit()})"
    finally:
        del root


def timed_graphs(build, size: int, repeat: int) -> dict:
    """Build, backward and drop the graph `repeat` + 1 times; time each phase (warm-up first)."""
    builds, backs, totals, walls = [], [], [], []
    clock = time.process_time
    for _ in range(repeat + 1):
        w0, t0 = time.perf_counter(), clock()
        root = build(size)
        t1 = clock()
        root.backward()
        t2 = clock()
        value = root.data
        del root  # freeing the graph is part of the cost (micrograd's waits for the GC)
        t3 = clock()
        builds.append(t1 - t0)
        backs.append(t2 - t1)
        totals.append(t3 - t0)
        walls.append(time.perf_counter() - w0)
    return {"times": totals[1:], "wall": walls[1:], "build": builds[1:], "backward": backs[1:],
            "result": value}


def chain_builder(Value):
    def build(depth: int):
        a, b = Value(0.5), Value(1.0)
        x = Value(0.25)
        for i in range(depth):
            k = i % 3
            if k == 0:
                x = x * a
            elif k == 1:
                x = x + b
            else:
                x = x.relu()
        return x

    return build


def chain(Value, zero_grad, repeat: int, size: int) -> dict:
    build = chain_builder(Value)
    out = {"default_limit": default_limit_check(build, size)}
    out.update(in_big_stack(lambda: timed_graphs(build, size, repeat), size))
    out["nodes"] = size + 3
    out["how"] = "in a thread with a 512 MiB stack and the recursion limit raised above the depth"
    return out


def sum_builder(Value):
    def build(n: int):
        rng = random.Random(SEED)
        data = [rng.uniform(-1.0, 1.0) for _ in range(n)]
        return sum(Value(x) for x in data)

    return build


def wide_sum(Value, zero_grad, repeat: int, size: int) -> dict:
    build = sum_builder(Value)
    out = {"default_limit": default_limit_check(build, size)}
    out.update(in_big_stack(lambda: timed_graphs(build, size, repeat), size))
    out["nodes"] = 2 * size  # n leaves + n additions (0 + x1 is one more Value in micrograd)
    out["how"] = "in a thread with a 512 MiB stack and the recursion limit raised above the depth"
    return out


# ----- workload 4: memory per node -----------------------------------------------------------


def memory_graph(Value, m: int):
    """m leaves, m products x[j] * x[j+1], m relus, and a pairwise tree sum: 4m - 1 nodes."""
    rng = random.Random(SEED)
    xs = [Value(rng.uniform(-1.0, 1.0)) for _ in range(m)]
    layer = [(xs[j] * xs[(j + 1) % m]).relu() for j in range(m)]
    while len(layer) > 1:
        nxt = [layer[j] + layer[j + 1] for j in range(0, len(layer) - 1, 2)]
        if len(layer) % 2:
            nxt.append(layer[-1])
        layer = nxt
    return layer[0]


def memory(Value, zero_grad, repeat: int, size: int) -> dict:
    m = max(1, size // 4)
    nodes = 4 * m - 1
    memory_graph(Value, 10)  # import and warm everything up outside the measurement
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    root = memory_graph(Value, m)
    built, peak_build = tracemalloc.get_traced_memory()
    root.backward()
    peak_all = tracemalloc.get_traced_memory()[1]
    result = root.data
    del root
    gc.collect()
    model = ValueMLP(Value, initial_weights())  # and a whole moons step, as users write it
    xs, ys = make_moons()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    total_loss, _ = demo_loss(Value, model, xs, ys)
    total_loss.backward()
    step_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {
        "step_peak": step_peak,
        "step_loss": total_loss.data,
        "nodes": nodes,
        "build_per_node": (peak_build - base) / nodes,
        "retained_per_node": (built - base) / nodes,
        "backward_per_node": (peak_all - base) / nodes,
        "result": result,
    }


TRAINING = ("moons", "moons-freed", "moons-let-go", "nn")  # a training loop, timed step by step
WORKLOADS = {"moons": moons, "moons-freed": moons_freed, "moons-let-go": moons_let_go,
             "nn": nn_moons, "batch": batch, "chain": chain, "sum": wide_sum, "memory": memory}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("engine", choices=["stepgrad", "micrograd"])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after one warm-up")
    parser.add_argument("--size", type=int, default=10**5, help="nodes for chain/sum/memory")
    args = parser.parse_args(argv)
    if not gc.isenabled():
        raise SystemExit("the garbage collector must be on for this benchmark")
    Value, zero_grad, version = load_engine(args.engine)
    if args.workload in ("nn", "batch"):
        run = nn_moons if args.workload == "nn" else batch
        out = run(Value, zero_grad, args.repeat, args.size, args.engine)
    else:
        out = WORKLOADS[args.workload](Value, zero_grad, args.repeat, args.size)
    if "times" in out:
        out["median"] = statistics.median(out["times"])
        out["mean"] = statistics.fmean(out["times"])
        # A training step's figure is its mean: the loop pays a full collection about every
        # other step, so single steps are slow or quick, and the mean is what a run costs
        # per step. A graph (chain, sum) is timed alone: its median.
        out["figure"] = out["mean"] if args.workload in TRAINING else out["median"]
    out.update(
        engine=args.engine,
        version=version,
        workload=args.workload,
        python=platform.python_version(),
        gc_enabled=gc.isenabled(),
        gc_thresholds=gc.get_threshold(),
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
