"""The demos write a file only when asked (--graph, --html, --png, --plot), and say so when
that file replaces one that was there: a learner's own xor-graph.svg is never overwritten by
running a demo with its defaults."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from demos import xor

ROOT = Path(__file__).resolve().parent.parent

# each demo with its default options, made small where the defaults take seconds
DEMOS = [
    ["demos.xor"],
    ["demos.by_hand"],
    ["demos.newton"],
    ["demos.optimizers", "--steps", "5"],
    ["demos.moons", "--n", "20", "--epochs", "2"],
    ["demos.spiral", "--n", "10", "--epochs", "2"],
]


def run_in(cwd: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args", DEMOS, ids=[a[0] for a in DEMOS])
def test_a_demo_writes_no_file_unless_asked(tmp_path, args):
    done = run_in(tmp_path, args)
    assert done.returncode in (0, 1), done.stderr  # 1: not solved in the few epochs given
    assert "Traceback" not in done.stderr
    assert sorted(os.listdir(tmp_path)) == []


def test_xor_keeps_a_learners_own_file_and_draws_nothing_by_default(tmp_path):
    mine = tmp_path / "xor-graph.svg"
    mine.write_text("my own drawing")
    done = run_in(tmp_path, ["demos.xor"])
    assert done.returncode == 0, done.stderr
    assert mine.read_text() == "my own drawing" and sorted(os.listdir(tmp_path)) == [mine.name]
    assert "4. One forward/backward pass" not in done.stdout
    assert "--graph PATH" in run_in(tmp_path, ["demos.xor", "--help"]).stdout


def test_no_graph_is_still_accepted_and_the_default():
    assert xor.parse_args([]).graph is None and xor.parse_args(["--no-graph"]).graph is None
    assert xor.parse_args(["--graph", "g.svg"]).graph == "g.svg"


@pytest.mark.skipif(not shutil.which("dot"), reason="drawing needs Graphviz's dot")
def test_xor_says_when_its_file_replaces_one(tmp_path):
    path = tmp_path / "g.svg"
    out = io.StringIO()
    xor.run(xor.XorOptions(graph=str(path)), out=out)
    assert f"Wrote the graph of one forward/backward pass to {path}\n" in out.getvalue()
    assert "<svg" in path.read_text()
    path.write_text("old")
    out = io.StringIO()
    result = xor.run(xor.XorOptions(graph=str(path)), out=out)
    assert (f"Wrote the graph of one forward/backward pass to {path} (it replaces the file "
            "that was there)") in out.getvalue()
    assert result.graph == str(path) and "<svg" in path.read_text()


@pytest.mark.skipif(not shutil.which("dot"), reason="drawing needs Graphviz's dot")
def test_xor_cannot_write_is_one_clear_line(tmp_path):
    out = io.StringIO()
    result = xor.run(xor.XorOptions(graph=str(tmp_path), html=str(tmp_path / "no" / "w.html")),
                     out=out)
    text = out.getvalue()
    assert result.solved and result.graph is None and result.html is None
    assert f"Graph not written: cannot write {tmp_path} (" in text  # (Is a directory).
    assert "Walkthrough page not written: cannot write" in text
    assert len(result.notes) == 2


def test_replacing_says_so_only_for_an_existing_file(tmp_path):
    from demos._terminal import replacing

    assert replacing(str(tmp_path / "new.png")) == ""
    (tmp_path / "old.png").write_bytes(b"")
    assert replacing(str(tmp_path / "old.png")) == " (it replaces the file that was there)"


def test_the_plot_and_picture_options_say_when_they_replace_a_file(tmp_path):
    pytest.importorskip("matplotlib")
    for args, name in ((["demos.optimizers", "--steps", "5", "--plot"], "c.png"),
                       (["demos.spiral", "--n", "10", "--epochs", "2", "--png"], "s.png")):
        (tmp_path / name).write_bytes(b"old")
        done = run_in(tmp_path, [*args, name])
        assert "Traceback" not in done.stderr, done.stderr
        assert f"{name} (it replaces the file that was there)" in done.stdout
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_a_plot_or_picture_that_cannot_be_written_is_one_clear_line(tmp_path):
    pytest.importorskip("matplotlib")
    missing = tmp_path / "no such folder" / "x.png"
    for args in (["demos.optimizers", "--steps", "5", "--plot"],
                 ["demos.spiral", "--n", "10", "--epochs", "2", "--no-map", "--png"]):
        done = run_in(tmp_path, [*args, str(missing)])
        assert "Traceback" not in done.stderr, done.stderr  # before: FileNotFoundError
        assert f"not written: cannot write {missing} (" in done.stdout + done.stderr
