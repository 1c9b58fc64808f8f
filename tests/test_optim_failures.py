"""nn.optim when things go wrong: a step that raises changes nothing, state stays finite,
and bad constructor arguments get a clear error naming the optimiser and the value."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stepgrad import Value
from stepgrad.nn import MLP, ExponentialLR, StepLR
from stepgrad.nn.optim import SGD, Adagrad, Adam, RMSprop

CONFIGS = [
    (SGD, {"lr": 0.1}),
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    (RMSprop, {"lr": 0.01}),
    (RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
    (Adam, {"lr": 0.05}),
    (Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
]
IDS = [f"{make.__name__}-{hyper}" for make, hyper in CONFIGS]


def snapshot(opt):
    """Everything a step could change: parameters, gradients, state, step count, lr."""
    return (
        [(p.data, p.grad, p.grad_computed) for p in opt.params],
        copy.deepcopy({i: opt.state.get(p) for i, p in enumerate(opt.params)}),
        opt.steps,
        opt.lr,
    )


def assert_state_finite(opt):
    for p in opt.params:
        for key, value in opt.state[p].items():
            assert math.isfinite(value), (p.label, key, value)


def set_grads(params, grads):
    for p, g in zip(params, grads, strict=True):
        p.grad = g


# ----- the state never holds inf or nan: a too large gradient is refused, by name ------------


@pytest.mark.parametrize(
    "make, key_words",
    [
        (lambda w: Adam(w, lr=0.1), r"running average of squared gradients \(v\) of big"),
        (lambda w: Adagrad(w, lr=0.1), "sum of squared gradients of big"),
        (lambda w: RMSprop(w, lr=0.1), "running average of squared gradients of big"),
        (lambda w: RMSprop(w, lr=0.1, centered=True), "of big"),
    ],
)
def test_a_gradient_whose_square_overflows_is_refused_before_anything_changes(make, key_words):
    small, big = Value(1.0, label="small"), Value(2.0, label="big")
    opt = make([small, big])
    set_grads([small, big], [0.5, -0.25])
    opt.step()  # one good step, so there is state to protect
    set_grads([small, big], [0.5, 1e200])  # (1e200)^2 is inf
    before = snapshot(opt)
    with pytest.raises(OverflowError, match=rf"\.step: the .*{key_words} would become inf "
                                            r"\(gradient 1e\+200\).*Nothing was changed"):
        opt.step()
    assert snapshot(opt) == before
    assert_state_finite(opt)


@pytest.mark.parametrize("make", [
    lambda w: Adam(w, eps=0.0), lambda w: Adagrad(w, eps=0.0), lambda w: RMSprop(w, eps=0.0),
    lambda w: RMSprop(w, eps=0.0, centered=True), lambda w: Adam(w, eps=0, amsgrad=True),
])
def test_eps_zero_with_a_zero_gradient_is_a_clear_error(make):
    w, still = Value(1.0, label="w"), Value(3.0, label="still")
    opt = make([still, w])
    set_grads([still, w], [1.0, 0.0])
    before = snapshot(opt)
    name = type(opt).__name__
    with pytest.raises(ZeroDivisionError, match=rf"^{name}.step: the update of w divides by "
                                                r"zero: its gradient is 0, .*eps = 0; use eps > 0"):
        opt.step()
    assert snapshot(opt) == before  # `still` came first and was not moved either


def test_eps_zero_with_a_gradient_whose_square_underflows():
    w = Value(1.0, label="w")
    opt = Adam([w], eps=0.0)
    w.grad = 1e-200  # g * g is 0.0 in floats, so m / sqrt(v) is 1e-201 / 0
    with pytest.raises(ZeroDivisionError, match="gradient is 1e-200"):
        opt.step()
    assert w.data == 1.0 and opt.state[w] == {} and opt.steps == 0


def test_eps_zero_with_nonzero_gradients_still_works_as_torch():
    w = Value(1.0)
    opt = Adam([w], lr=0.1, eps=0.0)
    w.grad = 2.0
    opt.step()
    assert w.data == pytest.approx(0.9, abs=1e-15)


def test_nan_written_into_data_is_named_and_changes_nothing():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    set_grads([a, b], [1.0, 1.0])
    opt.step()
    with pytest.raises(ValueError, match=r"^setting \.data of 'b': got nan, but a Value must"):
        b.data = float("nan")  # refused at once, by name
    b._data = float("nan")  # past the checked setter: the step still checks
    before = snapshot(opt)
    with pytest.raises(ValueError, match=r"^SGD.step: b = nan with gradient 1.0: both must be "
                                         "finite"):
        opt.step()
    after = snapshot(opt)
    assert after[1:] == before[1:] and after[0][0] == before[0][0]  # (nan != nan in lists)


def test_an_unlabelled_parameter_is_named_by_its_position():
    opt = Adam([Value(1.0), Value(1.0)])
    set_grads(opt.params, [1.0, 1e160])
    with pytest.raises(OverflowError, match=r"\(v\) of parameter 2 would become inf"):
        opt.step()


# ----- transactional: a failed step has no effect at all (Hypothesis) --------------------------


@settings(max_examples=150, deadline=None)
@given(
    config=st.sampled_from(range(len(CONFIGS))),
    warmup=st.lists(st.lists(st.floats(-3, 3), min_size=3, max_size=3), max_size=4),
    bad=st.integers(0, 2),
    trouble=st.sampled_from(["huge gradient", "nan data", "huge lr"]),
    after=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
)
def test_a_failed_step_changes_nothing_and_training_goes_on_as_if_it_never_ran(
    config, warmup, bad, trouble, after
):
    make, hyper = CONFIGS[config]
    assume(not (make is SGD and trouble == "huge gradient"))  # SGD steps by 0.1 * 1e300: fine
    params = [Value(v, label=f"w{i}") for i, v in enumerate((0.5, -1.0, 2.0))]
    twin = [Value(p.data) for p in params]  # the same training without the failed step
    opt, twin_opt = make(params, **hyper), make(twin, **hyper)
    for grads in warmup:
        for ps, o in ((params, opt), (twin, twin_opt)):
            set_grads(ps, grads)
            o.step()
    before = snapshot(opt)
    set_grads(params, after)
    if trouble == "huge gradient":  # its square overflows the optimiser's state
        params[bad].grad = 1e300
    elif trouble == "nan data":  # (setting .data refuses nan: written past the setter)
        params[bad]._data = float("nan")
    else:  # a parameter near the largest float, and a learning rate as large
        params[bad].data = -1.7e308
        params[bad].grad = 1e10
        opt.lr = 1e308
    changed = snapshot(opt)
    try:
        opt.step()
    except (OverflowError, ValueError) as error:
        message = str(error)
    else:  # allowed only for the huge lr, if the step came out finite
        assert trouble == "huge lr", f"{trouble} did not raise"
        assert all(math.isfinite(p.data) for p in params)
        assert_state_finite(opt)
        return
    assert "nothing was changed" in message.lower()
    if trouble != "huge lr":  # (with lr = 1e308 any parameter may be the first to overflow)
        assert message.startswith(f"{make.__name__}.step: ") and f"w{bad}" in message
    now = snapshot(opt)
    assert now[1:] == changed[1:] and changed[1:3] == before[1:3]  # state, steps, lr
    for (d0, g0, c0), (d1, g1, c1) in zip(changed[0], now[0], strict=True):
        assert (d1 == d0 or (math.isnan(d0) and math.isnan(d1))) and (g1, c1) == (g0, c0)
    assert_state_finite(opt)
    # repair the trouble, then step: exactly as if the failed step had never been tried
    params[bad].data = before[0][bad][0]
    opt.lr = before[3]
    set_grads(params, after)
    set_grads(twin, after)
    opt.step()
    twin_opt.step()
    assert [p.data for p in params] == [p.data for p in twin]
    assert [opt.state[p] for p in params] == [twin_opt.state[p] for p in twin]
    assert opt.steps == twin_opt.steps


@settings(max_examples=100, deadline=None)
@given(config=st.sampled_from(range(len(CONFIGS))),
       grads=st.lists(st.lists(st.floats(-1e200, 1e200), min_size=2, max_size=2), max_size=6))
def test_after_any_steps_the_state_is_finite(config, grads):
    make, hyper = CONFIGS[config]
    params = [Value(0.5), Value(-0.5)]
    opt = make(params, **hyper)
    for g in grads:
        set_grads(params, g)
        try:
            opt.step()
        except OverflowError:
            pass
        assert_state_finite(opt)
        assert all(math.isfinite(p.data) for p in params)


# ----- the constructor: every bad argument is named with its value ----------------------------


def used_up():
    gen = (p for p in [Value(1.0)])
    list(gen)
    return gen


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda w: Adam(w, betas={}), TypeError,
         r"^Adam: betas must be a pair \(beta1, beta2\) such as \(0.9, 0.999\), got dict \{\}"),
        (lambda w: Adam(w, betas={0: 0.9, 1: 0.99}), TypeError, "betas must be a pair.*dict"),
        (lambda w: Adam(w, betas={0.9, 0.99}), TypeError, "betas must be a pair.*got set"),
        (lambda w: Adam(w, betas="ab"), TypeError, "betas must be a pair.*got str 'ab'"),
        (lambda w: Adam(w, betas=(0.9,)), TypeError, r"betas must be a pair.*got tuple \(0.9,\)"),
        (lambda w: Adam(w, betas=(0.9, 0.999, 0.5)), TypeError, "betas must be a pair"),
        (lambda w: Adam(w, betas=(1.5, 0.9)), ValueError,
         r"^Adam: betas\[0\] must be in \[0, 1\), got 1.5"),
        (lambda w: Adam(w, betas=(0.9, float("nan"))), ValueError,
         r"betas\[1\] must be a finite number, got nan"),
        (lambda w: Adam(w, betas=(0.9, "0.99")), TypeError,
         r"betas\[1\] must be a number, got str '0.99'"),
        (lambda w: Adam(w, lr=-1), ValueError, "^Adam: lr must be >= 0, got -1"),
        (lambda w: Adam(w, eps=-1e-8), ValueError, "^Adam: eps must be >= 0, got -1e-08"),
        (lambda w: Adam(w, weight_decay=-0.1), ValueError, "^Adam: weight_decay must be >= 0"),
        (lambda w: Adam(w, amsgrad="yes"), TypeError,
         "^Adam: amsgrad must be True or False, got str 'yes'"),
        (lambda w: SGD(w, lr=0.1, momentum=-0.5), ValueError,
         "^SGD: momentum must be >= 0, got -0.5"),
        (lambda w: SGD(w, lr=0.1, momentum=0.9, nesterov=None), TypeError,
         "^SGD: nesterov must be True or False, got NoneType None"),
        (lambda w: RMSprop(w, momentum=-1.0), ValueError, "^RMSprop: momentum must be >= 0"),
        (lambda w: RMSprop(w, eps=-1.0), ValueError, "^RMSprop: eps must be >= 0"),
        (lambda w: RMSprop(w, centered=1), TypeError, "^RMSprop: centered must be True or False"),
        (lambda w: Adagrad(w, weight_decay=-2), ValueError, "^Adagrad: weight_decay must be >= 0"),
        (lambda w: Adagrad(w, eps=float("inf")), ValueError, "^Adagrad: eps must be a finite"),
        (lambda w: SGD(w, lr=10**5000), OverflowError,
         "^SGD: lr is an integer with about 5,001 digits, too large for a float"),
        (lambda w: Adam(w, betas=(0.9, 10**400)), OverflowError,
         r"^Adam: betas\[1\] is an integer with 401 digits, too large for a float"),
        (lambda w: SGD({w[0]: 1.0}, lr=0.1), TypeError,
         r"^SGD: params must be a list of Values in a fixed order \(such as model.parameters\(\)"
         r"\), got dict \{Value"),
        (lambda w: Adam(set(w)), TypeError, "^Adam: params must be a list of Values in a fixed "
                                            "order.*got set"),
        (lambda w: Adam(frozenset(w)), TypeError, "fixed order.*got frozenset"),
        (lambda w: Adam({"w": w[0]}.values()), None, None),  # ordered: accepted
        (lambda w: Adagrad(used_up()), ValueError,
         "^Adagrad: got an empty list of parameters; there is nothing to train "
         r"\(an iterator or generator that was already used up gives nothing\)"),
        (lambda w: RMSprop([]), ValueError, r"^RMSprop: got an empty list of parameters; there "
                                            r"is nothing to train$"),
        (lambda w: SGD(42, lr=0.1), TypeError, "^SGD: params must be an iterable of Values, got "
                                               "int 42"),
        (lambda w: SGD("w", lr=0.1), TypeError, "^SGD: params must be an iterable.*got str 'w'"),
        (lambda w: SGD([w[0], 1.5], lr=0.1), TypeError,
         "^SGD: parameter 2 must be a Value, got float 1.5"),
        (lambda w: SGD([w[0], 10**5000], lr=0.1), TypeError,
         "^SGD: parameter 2 must be a Value, got an integer with about 5,001 digits$"),
        (lambda w: SGD([[w[0]]], lr=0.1), TypeError,
         r"^SGD: parameter 1 must be a Value, got list \[Value"),
        (lambda w: StepLR(SGD(w, lr=0.1), step_size=2, gamma=10**500), OverflowError,
         "^StepLR: gamma is an integer with 501 digits, too large for a float"),
        (lambda w: ExponentialLR(SGD(w, lr=0.1), gamma={}), TypeError,
         r"^ExponentialLR: gamma must be a number, got dict \{\}"),
    ],
)
def test_bad_constructor_arguments(make, error, message):
    w = [Value(1.0, label="w")]
    if error is None:
        make(w)
        return
    with pytest.raises(error, match=message):
        make(w)


def test_a_model_is_still_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"pass model.parameters\(\)"):
        Adam(MLP(2, [1]))


def test_a_generator_and_a_tuple_are_accepted_and_keep_their_order():
    a, b = Value(1.0), Value(2.0)
    assert SGD((p for p in [a, b]), lr=0.1).params == [a, b]
    assert Adam((b, a)).params == [b, a]
    assert Adam(w for w in MLP(2, [1]).parameters()).params  # a fresh generator is fine


# ----- numpy: scalars are numbers, arrays are not betas (skipped without numpy) ---------------


def test_numpy_scalars_are_numbers_and_arrays_are_refused():
    np = pytest.importorskip("numpy")
    w = Value(1.0)
    opt = Adam([w], lr=np.float64(0.01), betas=(np.float32(0.5), np.float64(0.9)),
               eps=np.float64(1e-8), amsgrad=np.bool_(True))
    assert type(opt.lr) is float and opt.lr == 0.01
    assert opt.betas == (0.5, 0.9) and all(type(b) is float for b in opt.betas)
    assert opt.amsgrad is True
    assert SGD([w], lr=np.int64(1)).lr == 1.0
    assert StepLR(SGD([w], lr=0.1), step_size=np.int64(2)).step_size == 2
    with pytest.raises(TypeError, match=r"^Adam: betas must be a pair.*got ndarray array\("):
        Adam([w], betas=np.array([0.9, 0.999]))
    with pytest.raises(TypeError, match=r"^SGD: lr must be a number, got ndarray array\(0.1\)"):
        SGD([w], lr=np.array(0.1))
    with pytest.raises(TypeError, match="^SGD: lr must be a number, got bool_? (np.)?True"):
        SGD([w], lr=np.bool_(True))
    with pytest.raises(TypeError,
                       match=r"^SGD: parameter 1 must be a Value, got float64 (np.float64\()?1.0"):
        SGD(np.array([1.0, 2.0]), lr=0.1)


def test_step_refuses_a_half_done_stepped_pass_and_changes_nothing():
    """Review finding: step() in the middle of a stepped pass used half-built gradients."""
    from stepgrad.nn.optim import SGD as _SGD

    w = Value(1.0, label="w")
    y = w * w
    p = y.backward_steps()
    next(p)
    opt = _SGD([w], lr=0.1)
    with pytest.raises(RuntimeError, match=r"^SGD.step\(\): a stepped backward pass .* "
                                           r"\(1 of 2 steps done\)"):
        opt.step()
    assert w.data == 1.0
    p.run()
    opt.step()
    assert w.data == pytest.approx(0.8)
