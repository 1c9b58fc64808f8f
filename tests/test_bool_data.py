"""True and False as data: the perceptron reads them as 1 and 0, as an MLP does.

stepgrad.nn's rule (nn/_argcheck.py): in data, booleans are the numbers 1 and 0, as in Python
(True + True == 2), numpy and PyTorch (torch.tensor([True, False]) * 1.0). The perceptron used
to refuse them ("inputs must be finite numbers") while an MLP took them; the same data now
gives the same results as with 1 and 0 in both.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad.nn import MLP, SGD, Perceptron, mse

# AND, written with booleans and with numbers
X_BOOL = [[False, False], [False, True], [True, False], [True, True]]
Y_BOOL = [False, False, False, True]
X_NUM = [[0, 0], [0, 1], [1, 0], [1, 1]]
Y_NUM = [0, 0, 0, 1]


def test_the_perceptron_learns_from_booleans_as_from_1_and_0():
    p_bool, p_num = Perceptron(2), Perceptron(2)
    learned = p_bool.fit(X_BOOL, Y_BOOL)
    assert learned == p_num.fit(X_NUM, Y_NUM)
    assert learned.converged and learned.accuracy == 1.0
    assert (p_bool.w, p_bool.b) == (p_num.w, p_num.b)
    assert all(type(w) is float for w in p_bool.w)
    assert [p_bool.predict(x) for x in X_BOOL] == Y_NUM
    assert p_bool.accuracy(X_BOOL, Y_BOOL) == p_bool.accuracy(X_NUM, Y_NUM) == 1.0
    # booleans and numbers mixed, and -1 / +1 targets
    mixed = Perceptron(2).fit([[False, 0], [0.0, True], [1, False], [True, 1.0]], [-1, -1, -1, 1])
    assert mixed == Perceptron(2).fit(X_NUM, [-1, -1, -1, 1])


def test_an_mlp_learns_from_booleans_as_from_1_and_0():
    def train(X, y):
        model = MLP(2, [3, 1], activation="tanh", seed=0)
        opt = SGD(model.parameters(), lr=0.5)
        for _ in range(5):
            loss = mse([model(x) for x in X], y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model, loss.data

    (m_bool, loss_bool), (m_num, loss_num) = train(X_BOOL, Y_BOOL), train(X_NUM, Y_NUM)
    assert loss_bool == loss_num
    assert m_bool.state_dict() == m_num.state_dict()
    assert [m_bool(x).data for x in X_BOOL] == [m_num(x).data for x in X_NUM]


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=6),
       st.lists(st.booleans(), min_size=6, max_size=6))
def test_any_boolean_data_is_read_as_its_numbers_by_both(points, labels):
    X_b = [list(x) for x in points]
    X_n = [[int(v) for v in x] for x in points]
    y_b = labels[: len(points)]
    y_n = [int(t) for t in y_b]
    assert Perceptron(2).fit(X_b, y_b, max_epochs=5) == Perceptron(2).fit(X_n, y_n, max_epochs=5)
    model = MLP(2, [2, 1], seed=1)
    assert [model(x).data for x in X_b] == [model(x).data for x in X_n]


def test_numpy_booleans_get_the_same_answer_from_both():
    """The perceptron and an MLP read numpy's booleans as Python's (tests/test_numpy_bools.py
    checks them everywhere)."""
    np = pytest.importorskip("numpy")
    for x in ([np.True_, np.False_], [True, False]):
        assert MLP(2, [1], seed=0)(x).data == MLP(2, [1], seed=0)([1.0, 0.0]).data
        assert Perceptron(2).fit([x, [0, 1]], [1, 0]) == Perceptron(2).fit([[1, 0], [0, 1]],
                                                                           [1, 0])
