"""The course notebooks (notebooks/*.ipynb).

In the repository they have no outputs and are exactly what notebooks/make_notebooks.py writes.
Each one runs top to bottom in a real Jupyter kernel (nbclient with this environment's
ipykernel), in an empty folder (as in Colab: no checkout to import from), with pip unable to
reach any package index: the install cell must then be a no-op. The key numbers a learner
reads in the outputs are checked against values computed here, by hand.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from demos.optimizers import OPTIMIZERS, train

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "notebooks"
NAMES = ["01_chain_rule.ipynb", "02_neuron_and_mlp.ipynb", "03_perceptron_and_xor.ipynb",
         "04_losses.ipynb", "05_optimizers.ipynb"]
CELL_TIMEOUT = 180  # seconds for one cell; the slowest takes about 2 s on a busy machine


def need(module: str):
    """Import `module`, or skip (fail in CI, where the test extra installs it)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        reason = f"the notebook tests need {module}: pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def maker():
    """notebooks/make_notebooks.py as a module (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location("make_notebooks", FOLDER / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(name: str):
    nbformat = need("nbformat")
    return nbformat.read(FOLDER / name, as_version=4)


def code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


# ----- the files in the repository --------------------------------------------------------


def test_the_five_notebooks_are_there():
    assert sorted(p.name for p in FOLDER.glob("*.ipynb")) == NAMES
    assert list(maker().NOTEBOOKS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_no_outputs(name):
    for i, cell in enumerate(code_cells(read(name)), start=1):
        assert cell.outputs == [], f"{name}: code cell {i} has outputs; strip them"
        assert cell.execution_count is None, f"{name}: code cell {i} has an execution count"
        assert "execution" not in cell.metadata, f"{name}: code cell {i} has run timings"


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_what_the_script_writes(name):
    need("nbformat")
    written = maker().render(maker().NOTEBOOKS[name])
    assert (FOLDER / name).read_text(encoding="utf-8") == written, (
        f"notebooks/{name} differs from what notebooks/make_notebooks.py writes: edit the "
        "script, then run python notebooks/make_notebooks.py"
    )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_starts_with_the_install_cell(name):
    nb = read(name)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    first = code_cells(nb)[0]
    assert first.source == '%pip install -q "stepgrad[draw,plot]"'
    assert nb.metadata.kernelspec.name == "python3"


# ----- running them -----------------------------------------------------------------------

PROBE = "import sys, stepgrad\nprint(sys.prefix)\nprint(stepgrad.__file__)"


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Callable:
    """Run a notebook in a fresh kernel (once per module); returns the executed notebook."""
    nbclient = need("nbclient")
    nbformat = need("nbformat")
    need("ipykernel")
    need("matplotlib")
    done: dict[str, object] = {}

    def run(name: str):
        if name in done:
            return done[name]
        nb = read(name)
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))  # which Python ran it
        folder = tmp_path_factory.mktemp(name.split(".")[0])
        saved = dict(os.environ)
        os.environ.update(MPLBACKEND="Agg", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        try:
            nbclient.NotebookClient(
                nb, timeout=CELL_TIMEOUT, startup_timeout=120, kernel_name="python3",
                resources={"metadata": {"path": str(folder)}},
            ).execute()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        done[name] = nb
        return nb

    return run


def texts(cell) -> str:
    """What a cell printed (and the plain text of what it displayed)."""
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o and "text/plain" in o.data:
            out.append(o.data["text/plain"] + "\n")
    return "".join(out)


def printed(nb) -> list[str]:
    """Every line the notebook's cells printed, in order."""
    return "".join(texts(cell) for cell in code_cells(nb)).splitlines()


def images(nb, mime: str) -> int:
    return sum(mime in o.get("data", {}) for cell in code_cells(nb) for o in cell.outputs)


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", line)]


def line_after(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, f"expected one line starting {start!r}, found {found}"
    return found[0]


def sigmoid(s: float) -> float:
    return 1.0 / (1.0 + math.exp(-s))


def check_chain_rule(nb) -> None:
    lines = printed(nb)
    assert "a.grad = 1, b.grad = 1" in lines  # add: 1 to both
    assert "a.grad = -1, b.grad = 3" in lines  # mul a = 3, b = -1: the other input
    assert "a.grad = 1, b.grad = 0" in lines  # max(3, -1): only the winner
    s = sigmoid(0.5)
    assert f"x.grad    = {s * (1 - s):.4f}" in lines
    assert f"s (1 - s) = {s * (1 - s):.4f}" in lines
    x, y, z = -2.0, 5.0, -4.0  # f = (x + y) z: df/dx = df/dy = z, df/dz = x + y
    assert "q = 3, f = -12" in lines
    assert f"x.grad = {z:g}, y.grad = {z:g}, z.grad = {x + y:g}" in lines
    assert lines.count("f = q * z: upstream 1 x local -4 -> q.grad += -4 (now -4)") == 1
    a, b = 2.0, -3.0  # f = (a b)(a + b): df/da = b (a + b) + a b, df/db = a (a + b) + a b
    assert f"a.grad = {b * (a + b) + a * b:g}, b.grad = {a * (a + b) + a * b:g}" in lines
    assert any(line.startswith("gradcheck passed") for line in lines)
    assert images(nb, "image/svg+xml") == 3
    t = math.tanh(0.5)  # the second derivative, stepped through the graph of the first
    assert any(line.startswith("1     dy/dx = 1 - v1  v1") for line in lines)
    assert f"d2y/dx2 = {-2 * t * (1 - t * t):.4f}, -2 y (1 - y^2) = {-2 * t * (1 - t * t):.4f}" \
        in lines


def check_neuron_and_mlp(nb) -> None:
    lines = printed(nb)
    o = math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432)
    assert f"n = 0.8814, o = {o:.4f}" in lines
    assert "o = tanh(n): upstream 1 x local 0.5 -> n.grad += 0.5 (now 0.5)" in lines
    local = 1 - o * o  # do/dn; dn/dw1 = x1 = 2, dn/dx1 = w1 = -3
    assert f"w1.grad = {2.0 * local:g}, x1.grad = {-3.0 * local:g}" in lines
    hidden = [line for line in lines if line.startswith("hidden unit ")]
    assert len(hidden) == 2
    for line in hidden:
        _, engine, formula = numbers(line)
        assert engine == formula and engine != 0, line
    weights = [line for line in lines if line.startswith("L1.n") and "eta delta_i x_j" in line]
    assert len(weights) == 4
    for line in weights:
        engine, formula = numbers(line.split(":", 1)[1])
        assert engine == formula and engine != 0, line
    assert images(nb, "image/svg+xml") == 2


def check_perceptron_and_xor(nb) -> None:
    lines = printed(nb)
    converged = [line for line in lines if line.startswith("converged after")]
    assert len(converged) == 2  # AND and OR
    assert any(line.startswith("did not converge in 100 epochs") for line in lines)
    assert "best accuracy on XOR: 75%" in lines
    answers = [line for line in lines if line.startswith("x = [")]
    assert [line.split("target ")[1].split(",")[0] for line in answers] == ["0", "1", "1", "0"]
    assert [line.rsplit("answer ", 1)[1] for line in answers] == ["0", "1", "1", "0"]
    assert "accuracy on XOR: 100%" in lines
    assert images(nb, "image/png") == 2


def check_losses(nb) -> None:
    lines = printed(nb)
    y = sigmoid(-4.0)
    both = r"engine dL/ds = (\S+), formula .* = (\S+)$"  # the engine's number, the formula's
    squared = re.search(both, line_after(lines, "squared error: engine")).groups()
    assert [float(x) for x in squared] == [round((y - 1) * y * (1 - y), 4)] * 2
    ce = re.search(both, line_after(lines, "cross-entropy: engine")).groups()
    assert [float(x) for x in ce] == [round(y - 1, 4)] * 2
    exps = [math.exp(v) for v in (2.0, 1.0, 0.1)]
    soft = [e / sum(exps) for e in exps]
    expected = [round(p - r, 4) for p, r in zip(soft, [1, 0, 0], strict=True)]
    assert numbers(line_after(lines, "y - r =")) == expected
    assert numbers(line_after(lines, "dL/ds =")) == expected
    # the spirals, trained with batched: 95% or more, and y - r on point 0's own graph
    loss, right, total = numbers(line_after(lines, "after 100 epochs: loss"))[1:]
    assert total == 300 and right >= 285 and 0.0 < loss < 0.3
    y_minus_r = numbers(line_after(lines, "point 0: y - r ="))[1:]
    assert len(y_minus_r) == 3 and abs(sum(y_minus_r)) < 1e-3
    assert numbers(line_after(lines, "point 0: dL/dz ="))[1:] == y_minus_r
    p, q = [0.9, 0.1], [0.6, 0.4]
    h = -sum(pi * math.log2(pi) for pi in p)
    hpq = -sum(pi * math.log2(qi) for pi, qi in zip(p, q, strict=True))
    assert numbers(line_after(lines, "H(p)  "))[-1] == round(h, 4)
    assert numbers(line_after(lines, "H(p, q)  "))[-1] == round(hpq, 4)
    assert numbers(line_after(lines, "KL(p || q)"))[-1] == round(hpq - h, 4)
    assert images(nb, "image/png") == 2


def check_optimizers(nb) -> None:
    """The notebook's walks end where demos/optimizers.py's training ends."""
    lines = printed(nb)
    ends = [line.strip() for line in lines if ": after 200 steps (a, b) = (" in line]
    assert [line.split(":")[0] for line in ends] == list(OPTIMIZERS)
    for line in ends:
        name = line.split(":")[0]
        losses, (a, b) = train(name, 200)
        assert line == (f"{name}: after 200 steps (a, b) = ({a:.4f}, {b:.4f}), "
                        f"loss {losses[-1]:.2e}")
    assert images(nb, "image/png") == 2


CHECKS = {
    "01_chain_rule.ipynb": check_chain_rule,
    "02_neuron_and_mlp.ipynb": check_neuron_and_mlp,
    "03_perceptron_and_xor.ipynb": check_perceptron_and_xor,
    "04_losses.ipynb": check_losses,
    "05_optimizers.ipynb": check_optimizers,
}
DRAWS = {"01_chain_rule.ipynb", "02_neuron_and_mlp.ipynb"}  # need Graphviz's dot


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_in_a_kernel_and_shows_the_right_numbers(name, executed):
    if name in DRAWS and shutil.which("dot") is None:
        reason = "Graphviz's dot is not installed (apt-get install graphviz)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    nb = executed(name)
    install = texts(code_cells(nb)[0])
    said = [line for line in install.splitlines()
            if line.strip() and not line.startswith("Note: you may need to restart")]
    assert said == [], f"the install cell was not a no-op:\n{install}"
    prefix, where = texts(nb.cells[-1]).split()
    assert prefix == sys.prefix, "the notebook ran in another Python environment"
    assert Path(where).resolve().parent == ROOT / "autograd"
    CHECKS[name](nb)
