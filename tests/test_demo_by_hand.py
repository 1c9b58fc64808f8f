"""demos/by_hand.py: the course's numbers, computed by the engine, equal the formulas."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

import pytest

from demos import by_hand

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def checks():
    return {c.key: c for c in by_hand.compute()}


def test_perceptron_exercise_numbers(checks):
    assert checks["perceptron.y"].engine == pytest.approx((1.125,), abs=1e-12)
    assert checks["perceptron.error"].engine == pytest.approx((-2.125,), abs=1e-12)
    assert checks["perceptron.w"].engine == pytest.approx((-1.45625, -0.525), abs=1e-12)
    assert checks["perceptron.b"].engine == pytest.approx((-0.2625,), abs=1e-12)


def test_coin_numbers(checks):
    h = -(0.9 * math.log2(0.9) + 0.1 * math.log2(0.1))  # 0.469 bits
    hpq = -(0.9 * math.log2(0.6) + 0.1 * math.log2(0.4))  # 0.795 bits
    assert checks["coin.H.bits"].engine[0] == pytest.approx(0.468996, abs=1e-6)
    assert checks["coin.Hpq.bits"].engine[0] == pytest.approx(0.795462, abs=1e-6)
    assert checks["coin.KL.bits"].engine[0] == pytest.approx(hpq - h, rel=1e-12)
    assert checks["coin.KL.bits"].engine[0] == pytest.approx(0.326466, abs=1e-6)
    assert checks["coin.H.nats"].engine[0] == pytest.approx(h * math.log(2), rel=1e-12)
    assert checks["coin.KL.nats"].engine[0] == pytest.approx(0.226289, abs=1e-6)


def test_output_rules_numbers(checks):
    y = 1 / (1 + math.exp(-0.4))
    assert checks["sigmoid_bce.1"].engine[0] == pytest.approx(y - 1, rel=1e-12)
    assert checks["sigmoid_mse"].engine[0] == pytest.approx((y - 1) * y * (1 - y), rel=1e-12)
    assert checks["sigmoid_mse_torch"].engine[0] == pytest.approx(
        2 * checks["sigmoid_mse"].engine[0], rel=1e-12
    )
    # a saturated sigmoid: squared error's gradient is much smaller than cross-entropy's
    assert abs(checks["saturated_mse"].engine[0]) < abs(checks["saturated_bce"].engine[0]) / 50
    assert sum(checks["softmax_ce"].engine) == pytest.approx(0.0, abs=1e-15)


def test_every_engine_number_equals_its_formula(checks):
    assert len(checks) == 21
    for c in checks.values():
        assert c.agrees, c
        assert c.engine == pytest.approx(c.formula, rel=1e-12, abs=1e-15)


def test_a_disagreement_would_be_shown():
    bad = by_hand.Check("x", "s", "rule", (1.0,), (1.1,))
    assert not bad.agrees
    out = io.StringIO()
    by_hand.report([bad], out, ascii_only=True)
    assert "DIFFERENT" in out.getvalue() and "0 of 1 rules" in out.getvalue()


def test_main_prints_every_rule_with_its_mark():
    out = io.StringIO()
    assert by_hand.main(["--ascii"], stream=out) == 0
    text = out.getvalue()
    lines = [line for line in text.splitlines() if line.strip().startswith("engine")]
    assert len(lines) == 21 and all(line.rstrip().endswith("ok") for line in lines)
    assert "engine (-1.45625, -0.525)" in text and "21 of 21 rules" in text


@pytest.mark.parametrize("command", [["-m", "demos.by_hand"], ["demos/by_hand.py"]])
def test_runs_from_the_repository_root(command):
    done = subprocess.run(
        [sys.executable, *command, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and "usage:" in done.stdout
    done = subprocess.run(
        [sys.executable, *command, "--ascii"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "21 of 21 rules" in done.stdout
