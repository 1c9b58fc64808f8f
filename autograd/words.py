"""How a count and its noun are written in messages: '1 input', '2 inputs', '1,200 values'."""


def plural(n: int, noun: str, nouns: str = "") -> str:
    """The count (with thousands separators) and the noun, singular for exactly 1.

    `nouns` is the plural where it is not the noun + "s".

    >>> plural(1, "input"), plural(2, "input"), plural(1200, "box", "boxes")
    ('1 input', '2 inputs', '1,200 boxes')
    """
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"
