"""Packaging: one top-level package, `stepgrad`, safe next to HIPS autograd (as on Colab).

The coexistence test builds the real wheel, installs it with pip into a fresh virtual
environment that already holds HIPS `autograd==1.9.1`, and uninstalls it again; HIPS autograd
must work at every stage. It needs the package index; outside CI it skips when that is out of
reach, in CI it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HIPS = "autograd==1.9.1"

# Uses HIPS autograd, then stepgrad if asked: prints one line a learner could read.
HIPS_WORKS = """
from autograd import grad
import autograd.numpy as np
d = grad(lambda x: np.tanh(x) * x)(0.5)
assert abs(d - (np.tanh(0.5) + 0.5 * (1 - np.tanh(0.5) ** 2))) < 1e-12, d
print("hips ok", d)
"""
STEPGRAD_WORKS = """
import os, sys
import stepgrad, stepgrad.nn
from stepgrad import Value
from stepgrad.nn import MLP
x = Value(0.5); y = x.tanh() * x; y.backward()
print("stepgrad ok", x.grad, os.path.dirname(stepgrad.__file__))
"""


def run(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                          cwd=os.path.dirname(python))  # not the checkout: no folder shadows


def pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip wheel` builds from this checkout."""
    out = tmp_path_factory.mktemp("wheel")
    built = pip(Path(sys.executable), "wheel", "--no-deps", "-w", str(out), str(ROOT))
    if built.returncode != 0:
        reason = f"could not build the wheel: {built.stderr.strip()[-500:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    (path,) = out.glob("stepgrad-*.whl")
    return path


def test_wheel_holds_one_top_level_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"stepgrad", "stepgrad-0.1.0.dist-info"}, tops
    for module in ("stepgrad/value.py", "stepgrad/backward.py", "stepgrad/nn/layers.py",
                   "stepgrad/nn/__init__.py", "stepgrad-0.1.0.dist-info/licenses/LICENSE"):
        assert module in names, f"{module} is missing from the wheel"
    assert not any(name.startswith(("autograd/", "nn/", "tests/", "demos/")) for name in names)


def test_stepgrad_and_hips_autograd_share_an_environment(wheel, tmp_path):
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    installed = pip(python, "install", HIPS)
    if installed.returncode != 0:
        reason = f"could not install {HIPS} from the package index: {installed.stderr[-300:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    before = run(python, HIPS_WORKS)
    assert before.returncode == 0, before.stderr

    added = pip(python, "install", str(wheel))
    assert added.returncode == 0, added.stderr
    both_hips, both_ours = run(python, HIPS_WORKS), run(python, STEPGRAD_WORKS)
    assert both_hips.returncode == 0, (
        f"installing stepgrad broke HIPS autograd:\n{both_hips.stderr}"
    )
    assert both_hips.stdout == before.stdout
    assert both_ours.returncode == 0, both_ours.stderr
    assert "site-packages" in both_ours.stdout  # the installed wheel, not this checkout

    removed = pip(python, "uninstall", "-y", "stepgrad")
    assert removed.returncode == 0, removed.stderr
    after = run(python, HIPS_WORKS)
    assert after.returncode == 0, f"uninstalling stepgrad broke HIPS autograd:\n{after.stderr}"
    assert after.stdout == before.stdout
    assert run(python, "import stepgrad").returncode != 0  # really gone


def test_one_copy_of_every_class():
    """Only `stepgrad.*` is imported: no `autograd.value` or `nn.layers` twin of a module."""
    import stepgrad
    import stepgrad.nn
    from stepgrad.value import Value

    assert stepgrad.Value is Value
    assert stepgrad.nn.MLP.__module__ == "stepgrad.nn.layers"
    checkout = {str(ROOT / "autograd"), str(ROOT / "nn")}
    twins = [name for name, module in list(sys.modules.items())
             if os.path.dirname(getattr(module, "__file__", None) or "") in checkout
             and not name.startswith("stepgrad")]
    assert twins == [], f"modules imported under a second name: {twins}"
