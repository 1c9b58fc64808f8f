"""Neural networks on top of the engine: MLPs, the classic perceptron, losses, optimisers.

>>> from nn import MLP
>>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> model
MLP of [Layer(2 -> 4, tanh), Layer(4 -> 1, sigmoid)], 17 parameters
"""

from nn.activations import ACTIVATIONS, activation
from nn.data import and_gate, make_moons, or_gate, xor
from nn.layers import MLP, Layer, Neuron
from nn.module import Module
from nn.perceptron import Perceptron, PerceptronResult
from nn.serialization import ModelFileError

# Whoever adds an import above also adds its names here (ruff checks that they are exported).
__all__ = [
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
