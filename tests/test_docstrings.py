"""The examples in every docstring run, imported by their one real name.

pytest's own --doctest-modules would import autograd/value.py as `autograd.value`, a second
copy of the engine next to the installed `stepgrad.value` (two `Value` classes). Here each
module is imported as `stepgrad.*` (or `demos.*`), so the examples test what users import.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest


def module_names() -> list[str]:
    """Every module of the installed packages, and the demos of the checkout.

    stepgrad.nn lives in another folder than stepgrad (nn/ and autograd/), so each package is
    listed on its own rather than walked from the top.
    """
    import demos
    import stepgrad.nn

    names = []
    for package in (stepgrad, stepgrad.nn, demos):
        names.append(package.__name__)
        names += [m.name for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
    return sorted(set(names))


@pytest.mark.parametrize("name", module_names())
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in finder.find(module, name):
        runner.run(test, out=report.append)
    failed, attempted = runner.summarize(verbose=False)
    assert failed == 0, "".join(report)


def test_every_module_is_found():
    names = module_names()
    for expected in ("stepgrad.value", "stepgrad.backward", "stepgrad.nn.layers", "demos.xor"):
        assert expected in names
