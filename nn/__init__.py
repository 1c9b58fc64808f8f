"""Neural networks on top of the engine: MLPs, the classic perceptron, losses, optimisers.

>>> from nn import MLP
>>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> model
MLP of [Layer(2 -> 4, tanh), Layer(4 -> 1, sigmoid)], 17 parameters
"""

from nn.activations import ACTIVATIONS, activation
from nn.data import and_gate, make_moons, or_gate, xor
from nn.layers import MLP, Layer, Neuron
from nn.losses import (
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
from nn.module import Module
from nn.optim import SGD, AdaGrad, Adagrad, Adam, Optimizer, RMSProp, RMSprop
from nn.perceptron import Perceptron, PerceptronResult
from nn.schedules import ExponentialLR, StepLR
from nn.serialization import ModelFileError

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
    "or_gate",
    "xor",
]
