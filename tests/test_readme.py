"""The README's test command is the one CI runs, word for word."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_test_command() -> str:
    """The first line of the code block that follows "Run the tests:" in the README."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Run the tests:")
    fence = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("```"))
    command = [line for line in lines[fence + 1:] if line.strip()][0]
    assert not command.startswith("```"), "the code block after 'Run the tests:' is empty"
    return command.strip()


def test_readme_test_command_is_what_ci_runs():
    command = readme_test_command()
    assert "pytest" in command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in [line.strip() for line in ci], (
        f"the README says to run\n  {command}\nbut .ci/run has no such line"
    )
