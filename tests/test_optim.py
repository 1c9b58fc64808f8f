"""nn.optim: the first steps against the textbook formulas, 20 steps against torch.optim."""

from __future__ import annotations

import math
import warnings

import pytest

from stepgrad import Value
from stepgrad.nn.optim import SGD, AdaGrad, Adagrad, Adam, Optimizer, RMSProp, RMSprop

# ----- the first steps by hand -------------------------------------------------------------
# L(w1, w2) = 0.5 w1^2 + 2 w2^2, so dL/dw1 = w1 and dL/dw2 = 4 w2: every gradient below is
# written out from that, independently of the optimiser code.

START = (1.0, -0.5)


def quadratic(w):
    return 0.5 * w[0] ** 2 + 2 * w[1] ** 2


def gradient(w):
    return [w[0], 4 * w[1]]


def run(make, steps, loss=quadratic, start=START):
    """Train from `start` for `steps` steps; the parameter values after each step."""
    w = [Value(x) for x in start]
    opt = make(w)
    history = []
    for _ in range(steps):
        out = loss(w)
        opt.zero_grad()
        out.backward()
        opt.step()
        history.append([p.data for p in w])
    return history


def flat(history):
    return [x for row in history for x in row]


def test_sgd_first_steps():
    # w <- w - lr g with lr = 0.1: g = (1, -2) -> (0.9, -0.3); g = (0.9, -1.2) -> (0.81, -0.18)
    assert flat(run(lambda w: SGD(w, lr=0.1), 2)) == pytest.approx([0.9, -0.3, 0.81, -0.18])


def test_sgd_momentum_first_steps():
    # b1 = g1 = (1, -2), w1 = (0.9, -0.3); g2 = (0.9, -1.2), b2 = 0.9 b1 + g2 = (1.8, -3.0),
    # w2 = w1 - 0.1 b2 = (0.72, 0.0)
    got = run(lambda w: SGD(w, lr=0.1, momentum=0.9), 2)
    assert flat(got) == pytest.approx([0.9, -0.3, 0.72, 0.0], abs=1e-15)


def test_sgd_nesterov_and_weight_decay_first_step():
    # g = grad + 0.5 w = (1.5, -2.25); b = g; step with g + 0.9 b = 1.9 g
    got = run(lambda w: SGD(w, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.5), 1)
    assert got[0] == pytest.approx([1 - 0.1 * 1.9 * 1.5, -0.5 + 0.1 * 1.9 * 2.25], abs=1e-15)


def textbook(rule, steps, **h):
    """The update rules as the course notes write them, one parameter at a time, plain floats."""
    w = list(START)
    state = [{} for _ in w]
    history = []
    for k in range(1, steps + 1):
        g = gradient(w)
        for i in range(len(w)):
            s, gi = state[i], g[i]
            if rule == "adagrad":  # accumulate squared gradients, divide by their root
                s["G"] = s.get("G", 0.0) + gi * gi
                w[i] -= h["lr"] * gi / (math.sqrt(s["G"]) + h["eps"])
            elif rule == "rmsprop":  # running average of squared gradients
                s["E"] = h["alpha"] * s.get("E", 0.0) + (1 - h["alpha"]) * gi * gi
                w[i] -= h["lr"] * gi / (math.sqrt(s["E"]) + h["eps"])
            elif rule == "adam":  # momentum + rmsprop, both bias-corrected
                b1, b2 = h["betas"]
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * gi
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * gi * gi
                m_hat, v_hat = s["m"] / (1 - b1**k), s["v"] / (1 - b2**k)
                w[i] -= h["lr"] * m_hat / (math.sqrt(v_hat) + h["eps"])
        history.append(list(w))
    return history


def test_adagrad_first_steps():
    got = run(lambda w: Adagrad(w, lr=0.5), 3)
    want = textbook("adagrad", 3, lr=0.5, eps=1e-10)
    assert flat(got) == pytest.approx(flat(want), rel=1e-14, abs=1e-15)
    # step 1 by hand: G = g^2, so w <- w - lr * sign(g) (up to eps): (0.5, 0.0)
    assert got[0] == pytest.approx([0.5, 0.0], abs=1e-9)


def test_rmsprop_first_steps():
    got = run(lambda w: RMSprop(w, lr=0.01, alpha=0.9), 3)
    want = textbook("rmsprop", 3, lr=0.01, alpha=0.9, eps=1e-8)
    assert flat(got) == pytest.approx(flat(want), rel=1e-14)
    # step 1 by hand: E = 0.1 g^2, so w <- w - 0.01 g / (sqrt(0.1) |g|)
    step = 0.01 / math.sqrt(0.1)
    assert got[0] == pytest.approx([1 - step, -0.5 + step], rel=1e-7)


def test_adam_first_steps():
    got = run(lambda w: Adam(w, lr=0.1), 3)
    want = textbook("adam", 3, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    assert flat(got) == pytest.approx(flat(want), rel=1e-14)
    assert got[0] == pytest.approx([0.9, -0.4], rel=1e-7)  # step 1: lr * sign(g)


def test_aliases():
    assert AdaGrad is Adagrad and RMSProp is RMSprop


def test_defaults_follow_torch():
    w = [Value(1.0)]
    assert SGD(w).lr == 0.001
    assert (Adagrad(w).lr, Adagrad(w).eps) == (0.01, 1e-10)
    r = RMSprop(w)
    assert (r.lr, r.alpha, r.eps, r.momentum) == (0.01, 0.99, 1e-8, 0.0)
    a = Adam(w)
    assert (a.lr, a.betas, a.eps, a.weight_decay) == (0.001, (0.9, 0.999), 1e-8, 0.0)


def test_positional_arguments_in_torchs_order():
    sgd = SGD([Value(1.0)], 0.1, 0.9, 0.1, 0.01, False)  # lr, momentum, dampening, weight_decay
    assert (sgd.lr, sgd.momentum, sgd.dampening, sgd.weight_decay) == (0.1, 0.9, 0.1, 0.01)
    rms = RMSprop([Value(1.0)], 0.1, 0.9, 1e-6, 0.01, 0.5)  # lr, alpha, eps, wd, momentum
    assert (rms.alpha, rms.eps, rms.weight_decay, rms.momentum) == (0.9, 1e-6, 0.01, 0.5)


def test_parameters_without_gradient_are_left_alone():
    a, b = Value(1.0), Value(2.0)
    opt = Adam([a, b], lr=0.1, weight_decay=0.1)
    (a * 3).backward()
    opt.step()
    assert b.data == 2.0 and a.data != 1.0


def test_lr_can_be_changed_between_steps():
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    w.grad = 1.0
    opt.step()
    opt.lr = 0.5
    opt.step()
    assert w.data == pytest.approx(1.0 - 0.1 - 0.5)


def test_accepts_any_iterable_of_values():
    w = [Value(1.0), Value(2.0)]
    assert len(SGD(iter(w), lr=0.1).params) == 2
    assert len(Adam(p for p in w).params) == 2


# ----- bad hyperparameters and bad params ----------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda w: SGD(w, lr=-0.1), "SGD: lr must be >= 0, got -0.1"),
        (lambda w: SGD(w, lr=0.1, momentum=-1), "SGD: momentum must be >= 0"),
        (lambda w: SGD(w, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda w: SGD(w, lr=0.1, weight_decay=-0.5), "weight_decay must be >= 0"),
        (lambda w: Adam(w, betas=(0.9, 1.0)), r"Adam: betas\[1\] must be in \[0, 1\), got 1"),
        (lambda w: Adam(w, betas=(-0.1, 0.9)), r"betas\[0\] must be in \[0, 1\)"),
        (lambda w: Adam(w, eps=-1e-8), "Adam: eps must be >= 0"),
        (lambda w: RMSprop(w, alpha=1.5), r"RMSprop: alpha must be in \[0, 1\]"),
        (lambda w: Adagrad(w, lr_decay=-1), "Adagrad: lr_decay must be >= 0"),
        (lambda w: Adam(w, lr=float("nan")), "lr must be a finite number"),
        (lambda w: SGD([], lr=0.1), "empty list of parameters"),
        (lambda w: SGD([w[0], w[0]], lr=0.1), "parameter 2 appears twice"),
    ],
)
def test_bad_hyperparameters_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_bad_types_are_rejected():
    with pytest.raises(TypeError, match="parameter 2 must be a Value, got float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(TypeError, match="got a single Value"):
        SGD(Value(1.0), lr=0.1)
    with pytest.raises(TypeError, match=r"pass model.parameters\(\), not the model itself"):
        from stepgrad.nn import MLP

        SGD(MLP(2, [1]), lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number, got str"):
        Adam([Value(1.0)], lr="0.1")
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam([Value(1.0)], betas=0.9)
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        opt.lr = -1.0


def test_a_step_that_overflows_changes_nothing():
    v, w = Value(1.0, label="v"), Value(1.0, label="w")
    v.grad, w.grad = 1.0, 1e308
    opt = SGD([v, w], lr=10.0)
    with pytest.raises(OverflowError, match=r"SGD.step: w = 1 with gradient 1e\+308.*lower the"):
        opt.step()
    assert (v.data, w.data) == (1.0, 1.0)


def test_base_class_needs_an_update_rule():
    opt = Optimizer([Value(1.0)], lr=0.1)
    opt.params[0].grad = 1.0
    with pytest.raises(NotImplementedError):
        opt.step()


# ----- 20 steps against torch.optim (float64) ----------------------------------------------

START4 = (-0.8, 1.2, 0.5, 0.3)  # the fourth parameter is not used by the loss: never moves


def rosenbrockish(w):
    """(1 - a)^2 + 5 (b - a^2)^2 + (c + a b)^2: curved valleys, several parameters."""
    a, b, c = w[0], w[1], w[2]
    return (1 - a) ** 2 + 5 * (b - a**2) ** 2 + (c + a * b) ** 2


SETTINGS = [
    ("SGD", {"lr": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.02, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.05}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.2, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "centered": True, "eps": 1e-6}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
]
OURS = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam}


def _torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns when numpy is missing; it is not needed
        return pytest.importorskip("torch", reason="torch is not installed")


def torch_trajectory(torch, name, hyper, steps):
    w = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START4]
    opt = getattr(torch.optim, name)(w, **hyper)
    history = []
    for _ in range(steps):
        loss = rosenbrockish(w)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append([p.item() for p in w])
    return history


def max_trajectory_difference(name, hyper, torch, steps=20):
    ours = run(lambda w: OURS[name](w, **hyper), steps, rosenbrockish, START4)
    theirs = torch_trajectory(torch, name, hyper, steps)
    assert ours[-1] != [*START4]  # the parameters did move
    assert ours[-1][3] == START4[3]  # the unused one did not
    return max(
        abs(a - b) / max(1.0, abs(b))
        for row, trow in zip(ours, theirs, strict=True)
        for a, b in zip(row, trow, strict=True)
    )


@pytest.mark.parametrize("name, hyper", SETTINGS, ids=[f"{n}-{h}" for n, h in SETTINGS])
def test_twenty_steps_match_torch_optim(name, hyper):
    torch = _torch()
    assert max_trajectory_difference(name, hyper, torch) <= 1e-12
