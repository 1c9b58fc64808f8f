"""Neural networks on top of the engine: MLPs, the classic perceptron, losses, optimisers.

>>> from stepgrad.nn import MLP
>>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> model
MLP of [Layer(2 -> 4, tanh), Layer(4 -> 1, sigmoid)], 17 parameters
"""

from stepgrad.nn.activations import ACTIVATIONS, activation
from stepgrad.nn.data import and_gate, make_moons, make_spiral, or_gate, xor
from stepgrad.nn.layers import MLP, Layer, Neuron
from stepgrad.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    distribution_cross_entropy,
    entropy,
    hinge,
    huber,
    kl_divergence,
    log_softmax,
    mae,
    mse,
    softmax,
)
from stepgrad.nn.module import Module
from stepgrad.nn.optim import SGD, AdaGrad, Adagrad, Adam, Optimizer, RMSProp, RMSprop
from stepgrad.nn.perceptron import Perceptron, PerceptronResult
from stepgrad.nn.schedules import ExponentialLR, StepLR
from stepgrad.nn.seeding import manual_seed
from stepgrad.nn.serialization import ModelFileError

# Whoever adds an import above also adds its names here (ruff checks that they are exported).
__all__ = [
    "SGD",
    "AdaGrad",
    "Adagrad",
    "Adam",
    "ExponentialLR",
    "Optimizer",
    "RMSProp",
    "RMSprop",
    "StepLR",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "distribution_cross_entropy",
    "entropy",
    "hinge",
    "huber",
    "kl_divergence",
    "log_softmax",
    "mae",
    "mse",
    "softmax",
    "ACTIVATIONS",
    "MLP",
    "Layer",
    "ModelFileError",
    "Module",
    "Neuron",
    "Perceptron",
    "PerceptronResult",
    "activation",
    "and_gate",
    "make_moons",
    "make_spiral",
    "manual_seed",
    "or_gate",
    "xor",
]
