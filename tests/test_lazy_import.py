"""`import stepgrad` stays fast: drawing, the walkthrough page and gradcheck load on first use.

Each check runs in a fresh Python process, because this test process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAZY = ["stepgrad.draw", "stepgrad.walkthrough", "stepgrad.walkthrough_page",
        "stepgrad.gradcheck", "graphviz"]


def fresh(code: str) -> str:
    """Run `code` in a new interpreter (the one running the tests); return what it printed."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("statement", ["import stepgrad", "import stepgrad.nn",
                                       "from stepgrad import Value, no_grad, print_backward"])
def test_import_loads_no_drawing_walkthrough_or_gradcheck(statement):
    code = f"{statement}\nimport json, sys\nprint(json.dumps(list(sys.modules)))"
    loaded = json.loads(fresh(code))
    assert "stepgrad" in loaded
    assert [name for name in LAZY if name in loaded] == []


@pytest.mark.parametrize("name, module", [("draw", "stepgrad.draw"),
                                          ("walkthrough", "stepgrad.walkthrough"),
                                          ("gradcheck", "stepgrad.gradcheck"),
                                          ("assert_gradcheck", "stepgrad.gradcheck"),
                                          ("GradCheck", "stepgrad.gradcheck"),
                                          ("GraphvizMissingError", "stepgrad.draw")])
def test_a_lazy_name_loads_on_first_use(name, module):
    code = f"""
import sys, stepgrad
assert {module!r} not in sys.modules
from stepgrad import {name}
assert {module!r} in sys.modules
assert {name} is getattr(sys.modules[{module!r}], {name!r})
assert stepgrad.{name} is {name}
print("ok")
"""
    assert fresh(code) == "ok\n"


def test_names_stay_functions_when_their_modules_are_imported_first():
    """`import stepgrad.walkthrough` imports stepgrad/draw.py too; `stepgrad.draw` stays the
    function (not the module of the same name), as do `gradcheck` and `walkthrough`."""
    code = """
import types
import stepgrad.walkthrough, stepgrad.gradcheck
from stepgrad.draw import edge_ids
import stepgrad
from stepgrad import draw, gradcheck, walkthrough
for f in (draw, gradcheck, walkthrough, stepgrad.draw, stepgrad.gradcheck, stepgrad.walkthrough):
    assert callable(f) and not isinstance(f, types.ModuleType), f
print(draw.__module__, gradcheck.__module__, walkthrough.__module__)
"""
    assert fresh(code).split() == ["stepgrad.draw", "stepgrad.gradcheck", "stepgrad.walkthrough"]


def test_dir_and_all_list_every_name_and_unknown_names_fail():
    import stepgrad

    public = {"BackwardPass", "BackwardStep", "GradCheck", "GraphvizMissingError", "Value",
              "assert_gradcheck", "draw", "gradcheck", "no_grad", "print_backward",
              "walkthrough"}
    assert public <= set(stepgrad.__all__)
    assert public <= set(dir(stepgrad))
    for name in stepgrad.__all__:
        assert getattr(stepgrad, name) is not None
    with pytest.raises(AttributeError, match="module 'stepgrad' has no attribute 'drawing'"):
        stepgrad.drawing  # noqa: B018


def test_star_import_gives_every_name():
    out = fresh("from stepgrad import *\nprint(draw.__name__, walkthrough.__name__, "
                "gradcheck.__name__, GradCheck.__name__, Value.__name__)")
    assert out.split() == ["draw", "walkthrough", "gradcheck", "GradCheck", "Value"]
