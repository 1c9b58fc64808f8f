"""Run code cells in a real ipykernel (this Python, so this stepgrad), in a private Jupyter and
IPython set-up under a temporary folder: shared by the notebook tests."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest


def run_cells(sources: Iterable[str], tmp: Path, timeout: int = 120):
    """A new notebook of these cells, executed by nbclient in `tmp` (returns the notebook)."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    spec = tmp / "jupyter" / "kernels" / "stepgrad-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "stepgrad (tests)", "language": "python"}))
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(tmp / "jupyter"))
        mp.setenv("JUPYTER_CONFIG_DIR", str(tmp / "config"))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(tmp / "runtime"))
        mp.setenv("IPYTHONDIR", str(tmp / "ipython"))
        mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
        NotebookClient(nb, timeout=timeout, startup_timeout=120, kernel_name="stepgrad-test",
                       resources={"metadata": {"path": str(tmp)}}).execute()
    return nb
