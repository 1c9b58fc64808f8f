"""The XOR demo end to end: the perceptron is stuck at 75%, the MLP reaches 100% for every seed."""

import doctest
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import demos._terminal
from demos import xor
from demos._terminal import Progress, decision_map
from stepgrad import Value
from stepgrad.nn.data import xor as xor_table

ROOT = Path(__file__).resolve().parent.parent


def flat(text):
    """The text with every run of spaces and line breaks as one space (messages are wrapped)."""
    return " ".join(text.split())


def run_demo(**changes):
    out = io.StringIO()
    options = xor.XorOptions(**{"graph": None, **changes})
    return xor.run(options, out=out), out.getvalue()


def test_terminal_helpers_doctests():
    failures, tried = doctest.testmod(demos._terminal)
    assert tried >= 2 and failures == 0


def test_demo_end_to_end(tmp_path):
    graph = tmp_path / "xor.svg"
    result, text = run_demo(graph=str(graph))
    # part 1: the perceptron gives up with its best 75%
    assert not result.perceptron.converged and result.perceptron.best_accuracy == 0.75
    assert "75% (3 of 4)" in flat(text)
    # part 2: the network solves XOR, and the outputs really are on the right sides
    assert result.solved and result.accuracy == 1.0
    inputs, targets = xor_table(negative=0)
    assert [round(result.model(x).data) for x in inputs] == targets == [0, 1, 1, 0]
    assert all(abs(p - t) <= 0.1 for p, t in zip(result.outputs, targets, strict=True))
    assert len(result.losses) == result.epochs and result.losses[-1] < result.losses[0]
    assert f"Solved after {result.epochs} epochs" in text
    # part 3: the truth table and the map
    for (x1, x2), t, p in zip(inputs, targets, result.outputs, strict=True):
        assert f"{x1:g}   {x2:g} |  {t}  | {p:.4f}    {t}  ok" in text
    assert "WRONG" in text.split("2. A two-layer")[0]  # the perceptron's miss is shown
    assert "WRONG" not in text.split("3. The truth table")[1]
    assert "# + : 1 (sure / near the boundary)" in text
    # part 4: the graph, when Graphviz can render it
    if shutil.which("dot"):
        assert result.graph == str(graph)
        svg = graph.read_text()
        assert "<svg" in svg and "L1.n1.w1" in svg and "loss" in svg
        assert f"Wrote the graph of one forward/backward pass to {graph}" in text
    else:
        assert result.graph is None and "dot" in result.notes[0]


def test_the_map_agrees_with_the_network():
    result, text = run_demo()
    grid = xor.xor_map(result.model).splitlines()[1:14]
    cells = [line.split("|")[1] for line in grid]
    # the four corners of the truth table sit at columns 5 and 25, rows 2 and 10
    assert cells[10][5] == "O" and cells[2][25] == "O"  # (0,0) and (1,1): labelled 0
    assert cells[2][5] == "X" and cells[10][25] == "X"  # (0,1) and (1,0): labelled 1
    # next to each corner the map shows the class the network gives it
    assert cells[10][6] in ".-" and cells[2][24] in ".-"
    assert cells[2][6] in "#+" and cells[10][24] in "#+"


@pytest.mark.parametrize("optimizer", list(xor.OPTIMIZERS))
def test_every_seed_from_0_to_19_reaches_100_percent(optimizer):
    if optimizer != "adam" and optimizer != "sgd":
        seeds = range(0, 20, 4)  # the default optimiser gets all 20 seeds; the others a sample
    else:
        seeds = range(20)
    epochs = []
    for seed in seeds:
        result, _ = run_demo(seed=seed, optimizer=optimizer)
        assert result.solved and result.accuracy == 1.0, (optimizer, seed)
        epochs.append(result.epochs)
    assert max(epochs) < 200


def test_different_seeds_train_differently():
    a, _ = run_demo(seed=1)
    b, _ = run_demo(seed=2)
    assert a.model.state_dict() != b.model.state_dict()
    again, _ = run_demo(seed=1)
    assert again.model.state_dict() == a.model.state_dict() and again.epochs == a.epochs


def test_a_linear_hidden_layer_cannot_solve_xor():
    result, text = run_demo(activation="linear", epochs=100)
    assert not result.solved and result.accuracy <= 0.75
    assert "a linear hidden layer makes the whole network one linear function" in flat(text)


def test_missing_dot_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    result, text = run_demo(graph=str(tmp_path / "g.svg"))
    assert result.solved and result.graph is None
    assert "Graph not drawn: Graphviz's `dot` program is not installed" in text
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.skipif(not shutil.which("dot"), reason="the page embeds an SVG drawn by dot")
def test_html_walkthrough(tmp_path):
    page = tmp_path / "walk.html"
    result, text = run_demo(html=str(page))
    assert result.html == str(page)
    html = page.read_text()
    assert "<html" in html.lower() and "L1.n1.w1" in html and "XOR" in html
    assert f"Wrote the step-by-step walkthrough of that pass to {page}" in flat(text)


def test_html_walkthrough_without_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = tmp_path / "walk.html"
    result, text = run_demo(html=str(page))
    assert result.html is None and not page.exists()
    assert "Walkthrough page not written: Graphviz's `dot` program is not installed" in text


def test_the_drawn_pass_has_gradients_for_every_parameter():
    result, _ = run_demo()
    loss = xor.one_pass(result.model)
    assert loss.label == "loss" and loss.data > 0
    assert all(p.grad_computed for p in result.model.parameters())


def test_command_line_options():
    o = xor.parse_args(["--hidden", "3", "--activation", "relu", "--optimizer", "sgd",
                        "--lr", "0.3", "--epochs", "50", "--seed", "4", "--no-graph",
                        "--html", "w.html"])
    assert o == xor.XorOptions(hidden=3, activation="relu", optimizer="sgd", lr=0.3,
                               epochs=50, seed=4, graph=None, html="w.html")
    assert xor.parse_args([]) == xor.XorOptions()
    for bad in (["--hidden", "0"], ["--lr", "-1"], ["--activation", "step"]):
        with pytest.raises(SystemExit):
            xor.parse_args(bad)


def test_runs_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "demos.xor", "--no-graph"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Solved after" in done.stdout and "75% (3 of 4)" in flat(done.stdout)
    helped = subprocess.run([sys.executable, str(ROOT / "demos" / "xor.py"), "--help"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "--activation" in helped.stdout


def test_progress_redraws_one_line_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    progress = Progress(total=10, stream=stream, width=10)
    for epoch in range(11):
        progress.update(epoch, loss=1.0, accuracy=0.5)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 11 and text.count("\n") == 1
    assert "\r[##########] epoch 10/10  loss 1.0000  accuracy  50%\n" in text


def test_decision_map_builds_no_graph():
    seen = []

    def score(x, y):
        v = Value(x) * 2 - y
        seen.append(v)
        return v.data

    decision_map(score, (0, 1), (0, 1), width=4, height=3)
    assert len(seen) == 12 and all(v.inputs == () for v in seen)
