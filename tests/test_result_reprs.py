"""A gradcheck result and a perceptron result read the same at the prompt as with print().

Typed at the Python prompt, or left as the last line of a notebook cell, they used to show
the dataclass's one long line (`GradCheck(value=..., rows=(GradCheckRow(index=1, ...`); now
they show the report `print` shows, as `steps.table()` does. Their fields and == are still
the dataclass's.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from stepgrad import Value, gradcheck
from stepgrad.gradcheck import GradCheck, GradCheckRow
from stepgrad.nn import Perceptron, PerceptronResult, and_gate, xor


def _bad_square(x: Value) -> Value:
    return Value(x.data ** 2, "", (x,), (x.data,), "bad ** 2")  # slope x instead of 2x


def _checks() -> list[GradCheck]:
    return [gradcheck(lambda a, b: a * b.tanh(), 0.3, 0.5),
            gradcheck(lambda w, x: _bad_square(w) * x, 3.0, -2.0)]


def test_a_gradcheck_shows_its_report():
    passed, failed = _checks()
    for check in (passed, failed):
        assert repr(check) == str(check)
        assert "GradCheckRow(" not in repr(check) and "value=" not in repr(check)
        lines = repr(check).splitlines()
        assert len(lines) == 1 + len(check.rows)
        assert lines[1:] == [f"  {row}" for row in check.rows]
        assert [repr(row) for row in check.rows] == [str(row) for row in check.rows]
    assert repr(passed).startswith("gradcheck passed: the engine and finite differences agree "
                                   "on all 2 inputs\n  input 1 (a = 0.3): engine says 0.4621, ")
    assert repr(failed).startswith("gradcheck FAILED: the engine's gradient disagrees with "
                                   "finite differences for input 1 (of 2)\n")
    assert "(off by 6, allowed 0.00012)" in repr(failed.rows[0])


def test_a_gradcheck_keeps_its_fields_and_equality():
    passed, failed = _checks()
    assert [f.name for f in dataclasses.fields(GradCheck)] == ["value", "rows"]
    assert [f.name for f in dataclasses.fields(GradCheckRow)] == [
        "index", "name", "x", "engine", "numerical", "difference", "allowed", "ok", "kink"]
    assert passed == _checks()[0] and passed != failed
    assert GradCheck(passed.value, passed.rows) == passed
    assert GradCheck(passed.value + 1.0, passed.rows) != passed  # same report, other value
    assert dataclasses.replace(failed.rows[1], ok=False) != failed.rows[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        passed.value = 0.0  # type: ignore[misc]


def test_a_perceptron_result_shows_its_message():
    done = Perceptron(2).fit(*and_gate())
    stuck = Perceptron(2).fit(*xor(), max_epochs=100)
    for result in (done, stuck):
        assert repr(result) == str(result) == result.message
        assert "PerceptronResult(" not in repr(result)
    assert repr(done).startswith("converged after ")
    assert repr(stuck).startswith("did not converge in 100 epochs")
    assert "best weights seen get 75% (3 of 4)" in repr(stuck)


def test_a_perceptron_result_keeps_its_fields_and_equality():
    done = Perceptron(2).fit(*and_gate())
    assert [f.name for f in dataclasses.fields(PerceptronResult)] == [
        "converged", "epochs", "accuracy", "best_accuracy", "mistakes", "message"]
    assert done == Perceptron(2).fit(*and_gate())
    # the same message, other mistakes per epoch: not equal (mistakes is compared, as before)
    assert dataclasses.replace(done, mistakes=[*done.mistakes, 0]) != done
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.epochs = 0  # type: ignore[misc]


PROMPT_SESSION = """\
from stepgrad import Value, gradcheck
from stepgrad.nn import Perceptron, xor
gradcheck(lambda a, b: a * b.tanh(), 0.3, 0.5)
Perceptron(2).fit(*xor(), max_epochs=100)
gradcheck(lambda a: a * a, 2.0).rows[0]
"""


def test_the_python_prompt_shows_the_reports():
    """What a learner sees after typing these at `python`'s own prompt (no print)."""
    out = subprocess.run([sys.executable, "-i", "-q"], input=PROMPT_SESSION,
                         capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).parent)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    check = gradcheck(lambda a, b: a * b.tanh(), 0.3, 0.5)
    stuck = Perceptron(2).fit(*xor(), max_epochs=100)
    row = gradcheck(lambda a: a * a, 2.0).rows[0]
    assert lines == [*str(check).splitlines(), stuck.message, str(row)]
    assert lines[0] == "gradcheck passed: the engine and finite differences agree on all 2 inputs"
    assert lines[-1].startswith("input 1 (a = 2): engine says 4, finite differences say 4 ")
    assert "Row(" not in out.stdout and "Result(" not in out.stdout


def test_a_notebook_shows_the_report_as_text_and_the_table_as_html():
    """IPython's display formatter (what a Jupyter kernel and Colab use for a cell's value)."""
    formatters = pytest.importorskip("IPython.core.formatters")
    f = formatters.DisplayFormatter()
    results = [*_checks(), Perceptron(2).fit(*and_gate()), Perceptron(2).fit(*xor())]
    for result in results:
        data, _ = f.format(result)
        assert data["text/plain"] == str(result)
        assert "GradCheckRow(" not in data["text/plain"]
        assert "PerceptronResult(" not in data["text/plain"]
        assert data["text/html"] == result._repr_html_() and "<table>" in data["text/html"]
    data, _ = f.format(_checks()[1].rows)  # a tuple of rows: one readable line each
    assert data["text/plain"].count("input ") == 2 and "GradCheckRow(" not in data["text/plain"]
