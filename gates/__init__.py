"""gates: the building blocks of CS231n Lecture 4, one small class per gate.

Each gate has ``forward`` (compute, and keep what backward needs) and ``backward``
(upstream gradient x local gradient, one gradient per input, shaped like that
input). This package needs numpy alone and knows nothing of graphs.
"""

from .arithmetic import Add, AddConstant, Divide, Multiply, Negate, Power, Reciprocal, Scale, Subtract
from .base import ForwardFirstError, Gate, Kept, ShapeError, unbroadcast
from .elementwise import ELU, Exp, LeakyReLU, Log, Max, ReLU, Sigmoid, Tanh
from .linalg import MatMul, Mean, SquaredNorm, Sum
from .losses import SoftmaxCrossEntropy, SVMLoss

__all__ = [
    "ELU", "Add", "AddConstant", "Divide", "Exp", "ForwardFirstError", "Gate", "Kept",
    "LeakyReLU", "Log", "MatMul",
    "Max", "Mean", "Multiply", "Negate", "Power", "ReLU", "Reciprocal", "SVMLoss", "Scale", "ShapeError",
    "Sigmoid", "SoftmaxCrossEntropy", "SquaredNorm", "Subtract", "Sum", "Tanh", "unbroadcast",
]
