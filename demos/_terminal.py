"""Helpers shared by the demos: a training progress display, a decision map, a GC pause, and
the note a demo prints when a file it was asked to write replaces one that was there.

Both write plain text. Progress redraws one line with a bar when the output is a terminal,
and prints one line every few epochs otherwise (logs, pipes, tests).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from stepgrad import no_grad


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while training; restart it afterwards.

    A training step creates tens of thousands of Values, and the cycle collector keeps
    scanning them (about two thirds of the forward pass' time for micrograd's moons network).
    Values never form reference cycles, so reference counting frees them anyway.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def replacing(path: str) -> str:
    """' (it replaces the file that was there)' if `path` exists, else ''.

    The demos write a file only to a path given on the command line, and never replace one
    without saying so: call this before writing and add it to the "Wrote ..." line.

    >>> replacing("no/such/file.svg")
    ''
    """
    return " (it replaces the file that was there)" if os.path.lexists(path) else ""


def is_terminal(stream: TextIO) -> bool:
    """True when `stream` is an interactive terminal."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_metrics(epoch: int, total: int, loss: float, accuracy: float | None) -> str:
    """'epoch   12/500  loss 0.4123  accuracy  75%'."""
    width = len(str(total))
    text = f"epoch {epoch:>{width}}/{total}  loss {loss:.4f}"
    if accuracy is not None:
        text += f"  accuracy {accuracy:>4.0%}"
    return text


class Progress:
    """Shows training progress: a redrawn bar on a terminal, every `every` epochs otherwise.

    >>> import io
    >>> out = io.StringIO()
    >>> progress = Progress(total=20, every=10, stream=out)
    >>> for epoch in range(21):
    ...     progress.update(epoch, loss=1 / (epoch + 1), accuracy=epoch / 20)
    >>> progress.finish()
    >>> print(out.getvalue(), end="")
    epoch  0/20  loss 1.0000  accuracy   0%
    epoch 10/20  loss 0.0909  accuracy  50%
    epoch 20/20  loss 0.0476  accuracy 100%
    """

    def __init__(
        self, total: int, every: int = 10, stream: TextIO | None = None, width: int = 24
    ) -> None:
        self.total = max(1, total)
        self.every = max(1, every)
        self.stream = stream if stream is not None else sys.stdout
        self.width = width
        self.live = is_terminal(self.stream)
        self.last = ""  # the latest line, printed by finish() if it was not printed yet
        self.printed_last = False

    def update(self, epoch: int, loss: float, accuracy: float | None = None) -> None:
        """Report the state after `epoch` epochs (0 = before training)."""
        text = format_metrics(epoch, self.total, loss, accuracy)
        self.last = text
        if self.live:
            done = round(self.width * min(epoch, self.total) / self.total)
            bar = "#" * done + "." * (self.width - done)
            self.stream.write(f"\r[{bar}] {text}")
            self.stream.flush()
            self.printed_last = False
        elif epoch % self.every == 0:
            self.stream.write(text + "\n")
            self.printed_last = True
        else:
            self.printed_last = False

    def finish(self) -> None:
        """End the display: keep the bar's last state, or print the last epoch if not shown."""
        if self.live:
            self.stream.write("\n")
        elif self.last and not self.printed_last:
            self.stream.write(self.last + "\n")
        self.stream.flush()


def decision_map(
    score: Callable[[float, float], float],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int = 40,
    height: int = 16,
    points: Sequence[Sequence[float]] = (),
    labels: Sequence[int] = (),
    sure: float = 1.0,
    names: tuple[str, str] = ("-1", "+1"),
    axes: tuple[str, str] = ("x1", "x2"),
) -> str:
    """A character picture of how a classifier splits the plane.

    `score(x, y)` > 0 means the positive class. Cells where the score is at least `sure` away
    from 0 are drawn '#' (positive) or '.' (negative); closer to the boundary '+' or '-'.
    Training points are drawn on top: 'X' for a positive label, 'O' for a negative one.
    The scores are computed under `no_grad()`, so no graph is built.

    >>> print(decision_map(lambda x, y: x - 0.5, (0, 1), (0, 1), width=12, height=3,
    ...                    sure=0.25, points=[[0, 0], [1, 1]], labels=[-1, 1]))
               x2
         1.00 |...---+++##X|
              |...---+++###|
         0.00 |O..---+++###|
               ------------
               0.00    1.00  x1
    # + : +1 (sure / near the boundary)   . - : -1   X O : training points labelled +1 / -1
    """
    (x0, x1), (y0, y1) = x_range, y_range
    grid: list[list[str]] = []
    with no_grad():
        for row in range(height):
            y = y1 - (y1 - y0) * row / max(1, height - 1)
            line = []
            for col in range(width):
                x = x0 + (x1 - x0) * col / max(1, width - 1)
                s = score(x, y)
                if s > 0:
                    line.append("#" if s >= sure else "+")
                else:
                    line.append("." if s <= -sure else "-")
            grid.append(line)
    marks = ["X" if label > 0 else "O" for label in labels]
    lines = _framed(grid, points, marks, x_range, y_range, axes)
    neg, pos = names
    lines.append(
        f"# + : {pos} (sure / near the boundary)   . - : {neg}   "
        f"X O : training points labelled {pos} / {neg}"
    )
    return "\n".join(lines)


REGIONS = ".:+*=%~^"  # the area of class 0, 1, 2, ... in class_map


def class_map(
    predict: Callable[[list[list[float]]], list[int]],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    width: int = 64,
    height: int = 24,
    points: Sequence[Sequence[float]] = (),
    labels: Sequence[int] = (),
    axes: tuple[str, str] = ("x1", "x2"),
) -> str:
    """A character picture of how a classifier with several classes splits the plane.

    `predict(cells)` gives the class (0, 1, 2, ...) of each cell centre, all at once. The area
    of class k is drawn with REGIONS[k] ('.', ':', '+', ...); training points on top as the
    digit of their label.

    >>> print(class_map(lambda cells: [int(x > 0.5) + int(y > 0.5) for x, y in cells],
    ...                 (0, 1), (0, 1), width=12, height=3, points=[[0, 0]], labels=[0]))
               x2
         1.00 |::::::++++++|
              |......::::::|
         0.00 |0.....::::::|
               ------------
               0.00    1.00  x1
    . : +  the area of class 0 1 2   0 1 2  training points of class 0 1 2
    """
    (x0, x1), (y0, y1) = x_range, y_range
    cells = [[x0 + (x1 - x0) * col / max(1, width - 1), y1 - (y1 - y0) * row / max(1, height - 1)]
             for row in range(height) for col in range(width)]
    classes = predict(cells)
    grid = [[REGIONS[classes[row * width + col] % len(REGIONS)] for col in range(width)]
            for row in range(height)]
    lines = _framed(grid, points, [str(label % 10) for label in labels], x_range, y_range, axes)
    shown = max([*classes, *labels, 0]) + 1
    ks = " ".join(str(k) for k in range(shown))
    lines.append(f"{' '.join(REGIONS[:shown])}  the area of class {ks}   {ks}  training points "
                 f"of class {ks}")
    return "\n".join(lines)


def _framed(grid: list[list[str]], points: Sequence[Sequence[float]], marks: Sequence[str],
            x_range: tuple[float, float], y_range: tuple[float, float],
            axes: tuple[str, str]) -> list[str]:
    """The lines of a map: `grid` (rows from the top) with each point drawn as its mark,
    inside axes with the ranges' ends as ticks (the key line is the caller's)."""
    (x0, x1), (y0, y1) = x_range, y_range
    height, width = len(grid), len(grid[0]) if grid else 0
    for point, mark in zip(points, marks, strict=True):
        col = round((point[0] - x0) / (x1 - x0) * (width - 1))
        row = round((y1 - point[1]) / (y1 - y0) * (height - 1))
        if 0 <= col < width and 0 <= row < height:
            grid[row][col] = mark
    top, bottom = f"{y1:.2f}", f"{y0:.2f}"
    pad = max(len(top), len(bottom)) + 5
    lines = [" " * (pad + 2) + axes[1]]
    for row, cells in enumerate(grid):
        tick = top if row == 0 else bottom if row == height - 1 else ""
        lines.append(f"{tick:>{pad}} |{''.join(cells)}|")
    lines.append(" " * (pad + 2) + "-" * width)
    left, right = f"{x0:.2f}", f"{x1:.2f}"
    lines.append(" " * (pad + 2) + left + right.rjust(width - len(left)) + "  " + axes[0])
    return lines
