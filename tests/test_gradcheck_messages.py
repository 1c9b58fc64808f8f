"""gradcheck's messages: at a kink (relu at 0) the report says that finite differences cannot
check a kink, with the slopes on each side; an error f raises at a nudged input says that
gradcheck moved the input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepgrad import Value, gradcheck

CANNOT = ("Finite differences cannot check a gradient at a kink: check a point on either side "
          "of it")


def bad_square(x):
    return Value(x.data ** 2, "", (x,), (x.data,), "bad ** 2")


def test_relu_at_its_kink():
    check = gradcheck(lambda a: a.relu(), 0.0)
    assert not check.ok
    assert str(check).splitlines() == [
        "gradcheck FAILED: the engine's gradient disagrees with finite differences for input 1 "
        "(of 1). At a = 0, f has a kink: relu(a) with a = 0 is exactly at relu's kink. From the "
        "left, finite differences say 0, from the right 1; gradcheck compares with their "
        f"average, 0.5. {CANNOT}",
        "  input 1 (a = 0): engine says 0, finite differences say 0.5 (off by 0.5, allowed 6e-06)",
    ]
    assert CANNOT in check._repr_html_()  # a notebook shows the first line above the table
    assert gradcheck(lambda a: a.relu(), -0.5).ok and gradcheck(lambda a: a.relu(), 0.5).ok


@given(k=st.floats(-3.0, 3.0).filter(lambda k: abs(k - 1.0) > 0.01),
       s=st.floats(0.5, 4.0))
def test_leaky_relu_and_elu_give_the_slopes_on_each_side(k, s):
    for f, left in ((lambda a: (a * s).leaky_relu(k), k * s),
                    (lambda a: (a * s).elu(k), k * s)):
        check = gradcheck(f, 0.0)
        if check.ok:  # (only where the two sides differ too little to fail)
            continue
        text = str(check).splitlines()[0]
        assert "At a = 0, f has a kink:" in text and text.endswith(CANNOT)
        kink = check.rows[0].kink
        said_left = float(kink.split("From the left, finite differences say ")[1].split(",")[0])
        said_right = float(kink.split("from the right ")[1].split(";")[0])
        assert math.isclose(said_left, left, rel_tol=1e-3, abs_tol=1e-6)
        assert math.isclose(said_right, s, rel_tol=1e-3)


def test_only_the_input_at_the_kink_is_named():
    check = gradcheck(lambda a, b: bad_square(a) + b.relu(), 3.0, 0.0)
    assert [row.index for row in check.failures] == [1, 2]
    assert check.rows[0].kink == ""  # a wrong local gradient, no kink: no excuse given
    assert check.rows[1].kink.startswith("At b = 0, f has a kink: relu(b) with b = 0")
    head = str(check).splitlines()[0]
    assert head.count("f has a kink") == 1 and head.endswith(CANNOT)


def test_a_kink_further_down_the_graph_is_found_and_named_by_its_formula():
    check = gradcheck(lambda x, y: (x * y - 2).relu() * 3, 1.0, 2.0)
    assert not check.ok
    for row, name in zip(check.rows, ("x", "y"), strict=True):
        assert row.kink.startswith(f"At {name} = ")
        assert "relu(0) is exactly at relu's kink" in row.kink


def test_no_kink_sentence_for_a_smooth_failure_or_a_kink_away_from_the_point():
    check = gradcheck(lambda x: bad_square(x) + x.relu(), 2.0)
    assert not check.ok and check.rows[0].kink == ""
    assert "kink" not in str(check)
    assert gradcheck(lambda a, b: a.max(b), 2.0, 2.0).ok  # a tie: each gets half, as measured


def test_a_step_off_the_domain_says_that_gradcheck_moved_the_input():
    with pytest.raises(ValueError, match=r"^log\(a\) with a = -9\.99e-07") as info:
        gradcheck(lambda a: a.log(), 1e-9)
    if not hasattr(info.value, "add_note"):
        pytest.skip("notes need Python 3.11")
    (note,) = info.value.__notes__
    assert note == (
        "(raised inside gradcheck, by f at a = -9.99e-07, a step of -1e-06 from 1e-09: to "
        "measure the slope, gradcheck moves each input a small step h to each side (h = eps * "
        "max(1, |a|)), and f failed there. Is a too close to the edge of f's domain? Use an eps "
        "much smaller than its distance to the edge, or a point further inside)")
    assert gradcheck(lambda a: a.log(), 1e-9, eps=1e-12).ok  # what it says works
