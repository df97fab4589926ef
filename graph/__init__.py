"""graph: the engine of gategraph.

Build a graph from nodes, sort it once, then run forward and backward as in
CS231n Lecture 4; check gradients numerically; trace the chain rule step by
step and draw the graph with its values and gradients; build, train, save and
load the lecture's fully connected networks. Depends on `gates` and numpy.
"""

from .computational_graph import ComputationalGraph
from .datasets import Dataset, load_dataset, spiral
from .draw import GraphvizNotFoundError
from .errors import FeedError, ForwardFirstError, GradcheckError, GraphError, ShapeError
from .gradient_check import gradcheck, numerical_gradient, rel_error
from .nn import Network, l2_penalty
from .nodes import Constant, Input, Node, Parameter
from .optim import SGD
from .trace import Trace, TraceError, TraceStep
from .train import History, train

__all__ = [
    "SGD", "ComputationalGraph", "Constant", "Dataset", "FeedError", "ForwardFirstError", "GradcheckError",
    "GraphError", "GraphvizNotFoundError", "History", "Input", "Network", "Node", "Parameter",
    "ShapeError", "Trace", "TraceError", "TraceStep", "gradcheck", "l2_penalty", "load_dataset",
    "numerical_gradient", "rel_error", "spiral", "train",
]
