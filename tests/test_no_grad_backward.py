"""backward() on a value that an operation made inside no_grad() is an error, as in PyTorch:
such a value remembers no inputs, so a pass over it would silently change nothing."""

import pytest
from expressions import expressions as expression_strategy
from expressions import input_lists, run_values
from hypothesis import given

from stepgrad import Value, enable_grad, grad, no_grad, print_backward, set_grad_enabled
from stepgrad.nn import MLP, SGD, mse

NO_GRAPH = (r"{action}: {who} was made inside no_grad\(\), so it remembers no graph to go back "
            r"through\. Build it outside no_grad\(\) to get gradients\.$")


def no_graph(action: str, who: str = "this value") -> str:
    return "^" + NO_GRAPH.format(action=action, who=who)


def test_the_training_step_of_the_review_raises_and_changes_nothing():
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    with no_grad():
        loss = mse([model([1.0, 2.0])], [1.0])
    before = [p.data for p in model.parameters()]
    opt.zero_grad()
    with pytest.raises(RuntimeError, match=no_graph("backward", "'mse'")):
        loss.backward()
    assert not any(p.grad_computed for p in model.parameters())
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("call, action", [
    (lambda y: y.backward(), "backward"),
    (lambda y: y.backward(2.0), "backward"),
    (lambda y: y.backward_steps(), "backward_steps"),
    (lambda y: print_backward(y), "print_backward"),
])
def test_every_way_to_start_a_pass_says_so(call, action):
    x = Value(3.0, label="x")
    x.backward()  # x holds a gradient: the error leaves it alone
    with no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match=no_graph(action)):
        call(y)
    assert x.grad == 1.0 and not y.grad_computed


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_of_such_an_output_says_so(create_graph):
    x = Value(3.0, label="x")
    with no_grad():
        y = (x * x).tanh()
        y.label = "y"
    with pytest.raises(RuntimeError, match=no_graph("grad", "'y'")):
        grad(y, x, create_graph=create_graph)
    y.label = None
    with pytest.raises(RuntimeError, match=no_graph("grad", "the output")):
        grad(y, [x], create_graph=create_graph, allow_unused=True)


def test_set_grad_enabled_false_and_hand_made_nodes_count_too():
    x = Value(3.0)
    with set_grad_enabled(False):
        y = x.exp()
        z = Value(9.0, "", (x,), (6.0,), "square")
    for value in (y, z):
        with pytest.raises(RuntimeError, match=no_graph("backward")):
            value.backward()


def test_enable_grad_inside_no_grad_still_builds_a_graph_to_go_back_through():
    x = Value(3.0)
    with no_grad(), enable_grad():
        y = x * x
    y.backward()
    assert x.grad == 6.0


def test_inputs_and_parameters_keep_working_even_made_inside_no_grad():
    with no_grad():
        w = Value(3.0, label="w")
    w.backward()
    assert w.grad == 1.0  # micrograd allows Value(3.0).backward(): its gradient is 1
    assert grad(w, w)[0].data == 1.0
    Value(2.0).backward_steps().run()


def test_a_result_of_no_grad_used_as_a_constant_in_a_graph_is_fine():
    w = Value(0.5, label="w")
    with no_grad():
        target = w * 4.0  # a fixed target, computed without a graph
    loss = (w * 2.0 - target) ** 2
    loss.backward()
    assert w.grad == 2 * (1.0 - 2.0) * 2.0


@given(expr=expression_strategy, xs=input_lists)
def test_any_expression_built_inside_no_grad_refuses_backward(expr, xs):
    with no_grad():
        built = run_values(expr, xs)
    if built is None:  # overflowed
        return
    out, leaves = built
    with pytest.raises(RuntimeError, match=no_graph("backward")):
        out.backward()
    assert not any(v.grad_computed for v in leaves)
    again = run_values(expr, xs)  # the same expression outside no_grad has its pass
    assert again is not None
    again[0].backward()
    assert again[0].grad == 1.0
