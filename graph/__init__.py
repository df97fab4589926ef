"""graph: the engine of gategraph.

Build a graph from nodes, sort it once, then run forward and backward as in
CS231n Lecture 4; check gradients numerically. Depends on `gates` and numpy.
"""

from .computational_graph import ComputationalGraph
from .errors import FeedError, ForwardFirstError, GradcheckError, GraphError, ShapeError
from .gradient_check import gradcheck, numerical_gradient, rel_error
from .nodes import Constant, Input, Node, Parameter

__all__ = [
    "ComputationalGraph", "Constant", "FeedError", "ForwardFirstError", "GradcheckError", "GraphError",
    "Input", "Node", "Parameter", "ShapeError", "gradcheck", "numerical_gradient", "rel_error",
]
