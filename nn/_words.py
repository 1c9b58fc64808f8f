"""Counts in messages and reprs: "1 parameter", "3 parameters", never "1 parameters".

>>> count(1, "logit"), count(3, "logit"), count(1, "class", "classes"), count(0, "epoch")
('1 logit', '3 logits', '1 class', '0 epochs')
"""

from __future__ import annotations

__all__ = ["count"]


def count(n: int, word: str, plural: str | None = None) -> str:
    """'1 word' or 'n words' (`plural` for a word whose plural is not word + 's')."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"
