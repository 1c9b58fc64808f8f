"""Optimisers: turn the gradients of a backward pass into a step on the parameters.

All of them share one small interface, the same as torch.optim:

    opt = Adam(model.parameters(), lr=0.01)
    for epoch in range(100):
        loss = ...            # recompute the loss from the current parameters
        opt.zero_grad()       # forget the old gradients
        loss.backward()       # fill in p.grad for every parameter
        opt.step()            # move every parameter

The update rules follow PyTorch's torch.optim exactly (same defaults, same place for eps,
weight decay added to the gradient as L2 regularisation), so the numbers match torch's to the
last digits. A parameter that no backward pass has reached (p.grad_computed is False) is left
alone, as torch skips parameters whose grad is None. `lr` is a plain attribute: set it by hand
or let a schedule from `nn.schedules` change it.

>>> from stepgrad import Value, passes
>>> w = Value(3.0)
>>> opt = SGD([w], lr=0.1)
>>> for _ in range(3):
...     loss = w * w          # minimum at w = 0; dL/dw = 2w
...     opt.zero_grad(); loss.backward(); opt.step()
>>> round(w.data, 6)          # 3 * 0.8 ** 3
1.536
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Set
from typing import Any

from stepgrad import Value, passes
from stepgrad.nn import _argcheck
from stepgrad.nn.module import zero_grads
from stepgrad.words import plural

__all__ = ["SGD", "AdaGrad", "Adagrad", "Adam", "Optimizer", "RMSProp", "RMSprop"]

State = dict[str, float]

# The optimisers' state, in words, for error messages.
_STATE_NAMES = {
    "buf": "momentum buffer",
    "sum": "sum of squared gradients",
    "square_avg": "running average of squared gradients",
    "grad_avg": "running average of gradients",
    "m": "running average of gradients (m)",
    "v": "running average of squared gradients (v)",
    "v_max": "largest running average of squared gradients (v_max)",
    "step": "step count",
}


def _number(owner: str, name: str, x: Any) -> float:
    return _argcheck.number(owner, name, x)


def _at_least(owner: str, name: str, x: Any, low: float = 0.0) -> float:
    v = _number(owner, name, x)
    if v < low:
        raise ValueError(f"{owner}: {name} must be >= {low:g}, got {v:g}")
    return v


def _fraction(owner: str, name: str, x: Any, top_open: bool = True) -> float:
    """A number in [0, 1) (or [0, 1] when top_open is False)."""
    v = _number(owner, name, x)
    if v < 0.0 or v > 1.0 or (top_open and v == 1.0):
        interval = "[0, 1)" if top_open else "[0, 1]"
        raise ValueError(f"{owner}: {name} must be in {interval}, got {v:g}")
    return v


class Optimizer:
    """Base class: holds the parameters and `lr`; subclasses define the update of one parameter.

    Args:
        params: any iterable of Values, e.g. `model.parameters()`.
        lr: the learning rate (>= 0); schedules in `nn.schedules` change it between epochs.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        if hasattr(params, "parameters") and not isinstance(params, Value):
            raise TypeError(f"{name}: pass model.parameters(), not the model itself")
        if isinstance(params, Value):
            raise TypeError(f"{name}: params must be a list of Values, got a single Value: [w]")
        if isinstance(params, (Mapping, Set)):
            raise TypeError(
                f"{name}: params must be a list of Values in a fixed order (such as "
                f"model.parameters()), got {_argcheck.kind(params)}"
            )
        if isinstance(params, (str, bytes, bytearray)) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be an iterable of Values, got {_argcheck.kind(params)}"
            )
        one_pass = isinstance(params, Iterator)
        self.params: list[Value] = list(params)
        if not self.params:
            hint = " (an iterator or generator that was already used up gives nothing)"
            raise ValueError(
                f"{name}: got an empty list of parameters; there is nothing to train"
                + (hint if one_pass else "")
            )
        seen: set[int] = set()
        for i, p in enumerate(self.params, start=1):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{name}: parameter {i} must be a Value, got {_argcheck.kind(p)}"
                )
            if id(p) in seen:
                who = f" ({p.label})" if p.label else ""
                raise ValueError(
                    f"{name}: parameter {i}{who} appears twice in params; it would be "
                    "updated twice per step"
                )
            seen.add(id(p))
        self.lr = lr
        self.state: dict[Value, State] = {p: {} for p in self.params}
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate used by the next `step()`."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _at_least(type(self).__name__, "lr", value)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (call it before each `loss.backward()`).

        As in PyTorch: with set_to_none=True (the default) each gradient goes back to "not
        computed yet" (p.grad_computed is False, as before any backward pass), and `step()`
        leaves a parameter that no backward pass reaches after this alone. With
        set_to_none=False each computed gradient becomes 0.0, a computed gradient of zero
        (one not computed yet stays so): `step()` then still moves the parameter by its
        momentum or weight decay, as torch does.
        """
        zero_grads(f"{type(self).__name__}.zero_grad", self.params, set_to_none)

    def step(self) -> None:
        """Move every parameter that has a gradient by one update of this optimiser.

        All the new values (parameters and the optimiser's state) are computed first and
        checked; only then is anything changed. If any would not be a finite number (a too
        large learning rate or gradient), or an update would divide by zero (eps = 0 with
        squared gradients that add up to 0), an error names the parameter and nothing changes:
        every parameter, the state and the step count stay exactly as they were.
        """
        name = type(self).__name__
        if passes.live:  # a half-done stepped pass holds half-built gradients: never use them
            for live in passes.live:
                if not live._nodes.isdisjoint(self.params):
                    raise RuntimeError(
                        f"{name}.step(): a stepped backward pass over these parameters is not "
                        f"finished ({len(live.steps)} of {plural(live.total, 'step')} done), "
                        "so their "
                        "gradients are not complete. Finish it with .run(), or call "
                        "loss.backward(), then step."
                    )
        updates: list[tuple[Value, float, State]] = []
        for i, p in enumerate(self.params, start=1):
            if not p.grad_computed:
                continue
            w, g = p.data, p.grad
            who = p.label or f"parameter {i}"
            if w - w != 0.0 or g - g != 0.0:  # nan or inf written in by hand
                raise ValueError(
                    f"{name}.step: {who} = {w} with gradient {g}: both must be finite "
                    "numbers; nothing was changed"
                )
            try:
                new_data, new_state = self._update(w, g, dict(self.state.get(p, {})))
            except OverflowError:
                new_data, new_state = math.inf, {}
            except ZeroDivisionError:
                raise ZeroDivisionError(
                    f"{name}.step: the update of {who} divides by zero: its gradient is "
                    f"{g:.6g}, the root of its squared gradients is 0 and eps = 0; use "
                    "eps > 0 (such as 1e-08). Nothing was changed"
                ) from None
            for key, value in new_state.items():
                if value - value != 0.0:
                    raise OverflowError(
                        f"{name}.step: the {_STATE_NAMES.get(key, repr(key))} of {who} would "
                        f"become {value} (gradient {g:.6g}): the gradient is too large for "
                        "a float here; scale the loss down. Nothing was changed"
                    )
            if new_data - new_data != 0.0:
                raise OverflowError(
                    f"{name}.step: {who} = {w:.6g} with gradient {g:.6g} would become "
                    f"{new_data}; lower the learning rate (lr = {self.lr:g}). Nothing was "
                    "changed"
                )
            updates.append((p, new_data, new_state))
        for p, new_data, new_state in updates:  # commit: nothing below can fail
            p._data = float(new_data)  # checked finite above: no second check by .data's setter
            self.state[p] = new_state
        self.steps += 1

    def _update(self, w: float, g: float, state: State) -> tuple[float, State]:
        """The new value of one parameter w with gradient g (state may be changed and returned)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        """'SGD(33 parameters, lr=0.1, momentum=0.9)': the settings that differ from the
        defaults, as they were given."""
        import inspect  # here, so that importing stepgrad.nn stays fast

        shown = [plural(len(self.params), "parameter"), f"lr={_setting(self.lr)}"]
        try:
            signature = inspect.signature(type(self).__init__)
        except (TypeError, ValueError):  # an odd subclass: the count and lr are enough
            signature = None
        for name, arg in (signature.parameters.items() if signature else ()):
            if name in ("self", "params", "lr") or arg.default is inspect.Parameter.empty:
                continue
            value = getattr(self, name, arg.default)
            if not _same(value, arg.default):
                shown.append(f"{name}={_setting(value)}")
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # an odd value of a user's subclass
        return False


def _setting(x: Any) -> str:
    """A setting as a learner would type it: 0.1, 1e-08, True, (0.9, 0.99)."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float):
        return f"{x:g}"
    if isinstance(x, tuple):
        return "(" + ", ".join(_setting(v) for v in x) + ")"
    return _argcheck.shown(x)


class SGD(Optimizer):
    """Gradient descent, optionally with momentum: w <- w - lr * g (g = dL/dw + wd * w).

    With momentum m: b <- m b + (1 - dampening) g (b starts as the first g), then
    w <- w - lr * b, or with nesterov=True w <- w - lr * (g + m b). As torch.optim.SGD.

    >>> from stepgrad import Value
    >>> w = Value(1.0); (w * w).backward()        # g = 2
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> opt.step(); w.data                        # 1 - 0.1 * 2
    0.8
    >>> opt.zero_grad(); (w * w).backward()       # g = 1.6, b = 0.9 * 2 + 1.6 = 3.4
    >>> opt.step(); round(w.data, 12)             # 0.8 - 0.1 * 3.4
    0.46
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _at_least("SGD", "momentum", momentum)
        self.weight_decay = _at_least("SGD", "weight_decay", weight_decay)
        self.dampening = _fraction("SGD", "dampening", dampening, top_open=False)
        self.nesterov = _argcheck.flag("SGD", "nesterov", nesterov)
        if self.nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")

    def _update(self, w: float, g: float, state: State) -> tuple[float, State]:
        if self.weight_decay:
            g = g + self.weight_decay * w
        if self.momentum:
            if "buf" not in state:
                buf = g
            else:
                buf = self.momentum * state["buf"] + (1.0 - self.dampening) * g
            state["buf"] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        return w - self.lr * g, state


class Adagrad(Optimizer):
    """AdaGrad: s <- s + g^2, w <- w - lr / (1 + (k - 1) lr_decay) * g / (sqrt(s) + eps).

    Each parameter's step shrinks as its squared gradients pile up in s (which starts at
    initial_accumulator_value), so the rate decays towards nothing. k counts the steps.
    As torch.optim.Adagrad.

    >>> from stepgrad import Value
    >>> w = Value(1.0); (w * w).backward()        # g = 2, s = 4
    >>> opt = Adagrad([w], lr=0.5)
    >>> opt.step(); round(w.data, 9)              # 1 - 0.5 * 2 / (2 + 1e-10)
    0.5
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, lr)
        self.lr_decay = _at_least("Adagrad", "lr_decay", lr_decay)
        self.weight_decay = _at_least("Adagrad", "weight_decay", weight_decay)
        self.initial_accumulator_value = _at_least(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = _at_least("Adagrad", "eps", eps)

    def _update(self, w: float, g: float, state: State) -> tuple[float, State]:
        k = state.get("step", 0.0) + 1.0
        s = state.get("sum", self.initial_accumulator_value)
        if self.weight_decay:
            g = g + self.weight_decay * w
        clr = self.lr / (1.0 + (k - 1.0) * self.lr_decay)
        s = s + g * g
        state["step"], state["sum"] = k, s
        return w - clr * (g / (math.sqrt(s) + self.eps)), state


class RMSprop(Optimizer):
    """RMSProp: v <- alpha v + (1 - alpha) g^2, w <- w - lr * g / (sqrt(v) + eps).

    v is a running average of squared gradients, so old gradients fade (unlike AdaGrad).
    With momentum m: b <- m b + g / (sqrt(v) + eps), w <- w - lr b (b starts at 0).
    centered=True divides by sqrt(v - a^2) + eps, a the running average of g.
    As torch.optim.RMSprop.

    >>> from stepgrad import Value
    >>> w = Value(1.0); (w * w).backward()        # g = 2, v = 0.01 * 4 = 0.04
    >>> opt = RMSprop([w], lr=0.01)
    >>> opt.step(); round(w.data, 6)              # 1 - 0.01 * 2 / (0.2 + 1e-8)
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _fraction("RMSprop", "alpha", alpha, top_open=False)
        self.eps = _at_least("RMSprop", "eps", eps)
        self.weight_decay = _at_least("RMSprop", "weight_decay", weight_decay)
        self.momentum = _at_least("RMSprop", "momentum", momentum)
        self.centered = _argcheck.flag("RMSprop", "centered", centered)

    def _update(self, w: float, g: float, state: State) -> tuple[float, State]:
        if self.weight_decay:
            g = g + self.weight_decay * w
        a = self.alpha
        v = a * state.get("square_avg", 0.0) + (1.0 - a) * g * g
        state["square_avg"] = v
        if self.centered:
            m = a * state.get("grad_avg", 0.0) + (1.0 - a) * g
            state["grad_avg"] = m
            avg = math.sqrt(max(v - m * m, 0.0)) + self.eps
        else:
            avg = math.sqrt(v) + self.eps
        if self.momentum:
            buf = self.momentum * state.get("buf", 0.0) + g / avg
            state["buf"] = buf
            return w - self.lr * buf, state
        return w - self.lr * (g / avg), state


class Adam(Optimizer):
    """Adam: m <- b1 m + (1-b1) g, v <- b2 v + (1-b2) g^2, w <- w - lr m^ / (sqrt(v^) + eps).

    m^ = m / (1 - b1^k) and v^ = v / (1 - b2^k) undo the bias of starting m and v at 0
    (k counts the steps). Momentum (m) plus RMSProp-style per-parameter rates (v).
    amsgrad=True uses the largest v so far instead of v. As torch.optim.Adam (weight decay
    added to g, not decoupled as in AdamW).

    >>> from stepgrad import Value
    >>> w = Value(1.0); (w * w).backward()
    >>> opt = Adam([w], lr=0.1)
    >>> opt.step(); round(w.data, 6)              # the first step is lr * g / |g| = 0.1
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.amsgrad = _argcheck.flag("Adam", "amsgrad", amsgrad)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(
                "Adam: betas must be a pair (beta1, beta2) such as (0.9, 0.999), got "
                f"{_argcheck.kind(betas)}"
            )
        self.betas = (
            _fraction("Adam", "betas[0]", betas[0]),
            _fraction("Adam", "betas[1]", betas[1]),
        )
        self.eps = _at_least("Adam", "eps", eps)
        self.weight_decay = _at_least("Adam", "weight_decay", weight_decay)

    def _update(self, w: float, g: float, state: State) -> tuple[float, State]:
        b1, b2 = self.betas
        k = state.get("step", 0.0) + 1.0
        if self.weight_decay:
            g = g + self.weight_decay * w
        m = b1 * state.get("m", 0.0) + (1.0 - b1) * g
        v = b2 * state.get("v", 0.0) + (1.0 - b2) * g * g
        state["step"], state["m"], state["v"] = k, m, v
        if self.amsgrad:  # divide by the largest v so far, so steps never grow back
            v = state["v_max"] = max(state.get("v_max", 0.0), v)
        m_hat_step = self.lr / (1.0 - b1**k)
        denom = math.sqrt(v) / math.sqrt(1.0 - b2**k) + self.eps
        return w - m_hat_step * (m / denom), state


AdaGrad = Adagrad
RMSProp = RMSprop
