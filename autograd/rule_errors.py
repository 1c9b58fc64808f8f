"""The errors of an operation's own rules: which rule of which `Op` failed, and on what.

When the forward rule or the derivative rule (grads) of a learner's `Op` raises, or gives nan,
the error they get names the operation, its inputs (with their labels, as every other error
does), and the rule; it keeps the rule's own error as its cause, so the traceback still shows
the line in their rule; and for the common mistakes it says what to write instead:

    softplus(x) with x = 0.5: the gradient rule (grads) of Op 'softplus', run on Values for
    create_graph=True, raised TypeError: a plain number is needed here (float(), math.exp(),
    ...), but got a Value (-0.5). Write the rule with operators and m.exp, m.log ...

The type stays the rule's own where it means something (ZeroDivisionError, ValueError for a
math domain error, OverflowError, TypeError, ...). The engine's own entries keep their own
messages: their rules raise only `Domain` and OverflowError, and never give nan. Everything
here runs only after something went wrong.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

from stepgrad.ops import Domain, Op, is_builtin

__all__ = ["NAN_MEANS", "bad_gradient", "bad_result", "cause", "forward_number", "rule_failed"]

# the rule's error keeps its type when it is one of these, else the nearest of them it is made
# from (LookupError for a KeyError); a type made from none of them becomes RuntimeError
_KEPT = (ZeroDivisionError, OverflowError, FloatingPointError, ArithmeticError, ValueError,
         TypeError, AttributeError, IndexError, LookupError, NameError, AssertionError,
         RecursionError, NotImplementedError, RuntimeError, MemoryError)

NAN_MEANS = ("which usually means it computed something undefined there: inf - inf, 0 * inf, "
             "or a numpy function outside its domain, such as np.log(-1)")
"""What nan (not a number) as a result or a gradient usually means, for error messages."""
_NAN = "gave nan (not a number), " + NAN_MEANS


def rule_failed(op: Op, rule: str, operands: tuple, error: Exception,
                create_graph: bool = False) -> Exception:
    """The error for `op`'s rule ("forward" or "grads") raising `error` on `operands` (the
    Values, and the constant for a 'constant' entry); raise it `from error`."""
    if isinstance(error, Domain):  # a grads rule may say why, as a forward rule does
        return error.for_inputs(_where(op, operands), operands)
    kind = next((k for k in type(error).__mro__ if k in _KEPT), RuntimeError)
    said = _one_line(error)
    if create_graph and isinstance(getattr(error, "without_hint", None), str):
        said = error.without_hint  # type: ignore[attr-defined]  # the hint below fits better
    what = type(error).__name__
    if isinstance(error, OverflowError):
        what += " (a number too large for a float)"
    text = (f"{_where(op, operands)}: {_rule(op, rule, create_graph)} raised "
            f"{what}{': ' + said if said else ''}")
    hint = _hint(rule, error, said, create_graph)
    return kind(f"{text}. {hint}" if hint else text)


def cause(op: Op, error: BaseException) -> BaseException | None:
    """What an entry's error is raised from: the rule's own error for a learner's Op (the
    traceback then shows the line of the rule), None for a built-in one (its message says it)."""
    return None if is_builtin(op) else error


def bad_result(op: Op, out: Any, parents: tuple, operands: tuple) -> Exception:
    """The error for a forward rule whose result is not a finite number: nan is named as
    such (only a learner's rule can give it); inf is 'too large for a float', as before."""
    from stepgrad.value import _not_finite, _shown

    if out == out or is_builtin(op):  # inf (a built-in entry never gives nan)
        return _not_finite(out, _shown(op, operands), parents)
    return ValueError(f"{_where(op, operands)}: {_rule(op, 'forward')} {_NAN}")


def forward_number(op: Op, out: Any, parents: tuple, operands: tuple) -> float:
    """The forward rule's result `out`, not a float, as a float (an int, numpy's float64), or
    the error that says what the rule gave instead (a Value, nan, a huge integer)."""
    from stepgrad.value import _hint, as_float, describe, too_large

    if is_builtin(op):
        return as_float(out, op.name)
    if not isinstance(out, Real):
        raise TypeError(f"{_where(op, operands)}: {_rule(op, 'forward')} must return a number, "
                        f"but returned {describe(out)}{_hint(out)}")
    try:
        number = float(out)
    except OverflowError:
        raise OverflowError(f"{_where(op, operands)}: {_rule(op, 'forward')} returned "
                            f"{too_large(out)}, too large for a float") from None
    if number - number != 0.0:  # nan (numpy's np.log(-1)) or an infinity
        raise bad_result(op, number, parents, operands)
    return number


def bad_gradient(op: Op, out: float, parents: tuple, operands: tuple,
                 local: tuple) -> Exception:
    """The error for local gradients that are not finite numbers: one that is not a number at
    all, or nan, is named as such; an infinite one is 'too large for a float', as before."""
    from stepgrad.value import _hint, _infinite_gradient, _shown, describe

    for k, g in enumerate(local):
        which = f" for its {('first', 'second')[k]} input" if len(local) > 1 else ""
        if not isinstance(g, Real):
            return TypeError(
                f"{_where(op, operands)}: {_rule(op, 'grads')} must give one number per "
                f"input, but gave {describe(g)}{which}{_hint(g)}"
            )
        if g != g:
            return ValueError(f"{_where(op, operands)}: {_rule(op, 'grads')} gave nan (not a "
                              f"number){which}, {NAN_MEANS}")
    return _infinite_gradient(out, _shown(op, operands), parents)


def _rule(op: Op, rule: str, create_graph: bool = False) -> str:
    if rule == "forward":
        return f"the forward rule of Op {op.name!r}"
    on_values = ", run on Values for create_graph=True," if create_graph else ""
    return f"the gradient rule (grads) of Op {op.name!r}{on_values}"


def _hint(rule: str, error: Exception, said: str, create_graph: bool) -> str:
    """What to write instead, for the mistakes a rule's error shows."""
    if create_graph and isinstance(error, TypeError) and "Value" in said:
        return ("Write the rule with operators and m.exp, m.log (m, its first argument, works "
                "on floats and on Values), not with the math module, which takes only floats "
                "(x ** 0.5 for a square root)")
    if isinstance(error, AttributeError) and "'float' object" in said:
        if rule == "forward":
            return ("The forward rule gets plain floats: use the math module "
                    "(math.exp(x), math.tanh(x))")
        return ("The rule gets plain floats here (and Values for create_graph=True): use "
                "m.exp, m.log and m.data(x), which work on both")
    return ""


def _where(op: Op, operands: tuple) -> str:
    """The operation and its inputs, as every error names them: 'cube(a) with a = 2'."""
    from stepgrad.value import _inputs
    from stepgrad.value import _where as where

    try:
        return where(op, operands)
    except Exception:  # the learner's own `where=` function failed: the plain form
        return f"{op.name!r} on {_inputs(tuple(v for v in operands if hasattr(v, 'data')))}"


def _one_line(error: BaseException) -> str:
    """The error's own message on one line, never too long to read (and never failing)."""
    try:
        text = " ".join(str(error).split())
    except Exception:  # a __str__ that fails
        text = ""
    return text if len(text) <= 300 else text[:297] + "..."
