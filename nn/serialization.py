"""Model files: JSON with the model's shape and every parameter, checked before use.

The file looks like this (parameters in `parameters()` order; Python writes each float with
the shortest digits that read back as exactly the same float):

    {"format": "stepgrad-model", "version": 1,
     "model": {"type": "MLP", "nin": 2, "nouts": [4, 1], ...},
     "parameters": {"L1.n1.w1": 0.6888437030500962, ...}}

Reading never changes anything until the whole file has been checked.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from numbers import Real
from typing import Any

FORMAT = "stepgrad-model"
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be loaded: its message names the file and the problem."""


class FormatProblem(Exception):
    """What is wrong with a state or a file, in plain words (turned into a clearer error)."""


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def check_parameters(state: Any, names: list[str]) -> list[float]:
    """The values of `state` for `names`, in that order, or a FormatProblem saying why not."""
    if not isinstance(state, Mapping):
        raise FormatProblem(
            f"the parameters must be a mapping from name to number, got {type(state).__name__}"
        )
    missing = [n for n in names if n not in state]
    if missing:
        raise FormatProblem(f"missing parameters: {_listing(missing)}")
    expected = set(names)
    unexpected = [str(k) for k in state if k not in expected]
    if unexpected:
        raise FormatProblem(f"unexpected parameters: {_listing(unexpected)}")
    values = []
    for name in names:
        v = state[name]
        if isinstance(v, bool) or not isinstance(v, Real):
            raise FormatProblem(
                f"parameter {name!r} is {type(v).__name__} {v!r}, expected a number"
            )
        v = float(v)
        if not math.isfinite(v):
            raise FormatProblem(f"parameter {name!r} is {v}; parameters must be finite numbers")
        values.append(v)
    return values


def describe_text(desc: Any) -> str:
    """A model description (from `Module.describe()`) in one line."""
    if not isinstance(desc, Mapping):
        return repr(desc)
    kind = desc.get("type", "model")
    fields = ", ".join(f"{k}={v!r}" for k, v in desc.items() if k != "type")
    return f"{kind}({fields})"


def write_model_file(
    path: str | os.PathLike[str], description: dict[str, Any], state: dict[str, float]
) -> None:
    """Write the file (to a temporary name first, so a crash never leaves half a file)."""
    document = {"format": FORMAT, "version": VERSION, "model": description, "parameters": state}
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def read_model_file(
    path: str | os.PathLike[str], description: dict[str, Any], names: list[str]
) -> list[float]:
    """The parameter values stored in `path` for a model described by `description`."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return _parse(text, description, names)
    except FormatProblem as problem:
        raise ModelFileError(f"cannot load {os.fspath(path)}: {problem}") from None


def _parse(text: str, description: dict[str, Any], names: list[str]) -> list[float]:
    if not text.strip():
        raise FormatProblem("the file is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatProblem(
            f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
            "the file may be truncated or not a saved model"
        ) from None
    if not isinstance(document, dict):
        raise FormatProblem(f"expected a JSON object, got a {type(document).__name__}")
    if document.get("format") != FORMAT:
        raise FormatProblem(f"not a stepgrad model file (no \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise FormatProblem(
            f"file format version {document.get('version')!r} is not supported "
            f"(this stepgrad reads version {VERSION})"
        )
    for key in ("model", "parameters"):
        if key not in document:
            raise FormatProblem(f"the key {key!r} is missing")
    stored = document["model"]
    if stored != description:
        raise FormatProblem(
            f"it holds {describe_text(stored)}, but this model is {describe_text(description)}"
        )
    return check_parameters(document["parameters"], names)
