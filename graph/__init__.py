"""graph: the engine of gategraph.

Build a graph from nodes, sort it once, then run forward and backward as in
CS231n Lecture 4, each run recorded on the graph's tape; check gradients
numerically; read a run back as a chain-rule table or a drawing (`graph.views`);
build, train, save and load the lecture's fully connected networks (`graph.nn`).
Depends on `gates` and numpy.
"""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m graph`: Ctrl-C exits 130 from here on, even while numpy loads
    from gategraph_launcher import install, started_as_module

    if started_as_module("graph"):
        install()

from .computational_graph import ComputationalGraph
from .errors import FeedError, ForwardFirstError, GradcheckError, GraphError, ShapeError
from .gradient_check import gradcheck, numerical_gradient, rel_error
from .nn import SGD, Adam, Dataset, History, Network, RMSProp, l2_penalty, load_dataset, spiral, train
from .nodes import Constant, Input, Node, Parameter
from .tape import Step, Tape
from .views.draw import GraphvizNotFoundError
from .views.trace import Trace, TraceError, TraceStep

__all__ = [
    "SGD", "Adam", "ComputationalGraph", "Constant", "Dataset", "FeedError", "ForwardFirstError",
    "GradcheckError", "GraphError", "GraphvizNotFoundError", "History", "Input", "Network", "Node",
    "Parameter", "RMSProp", "ShapeError", "Step", "Tape", "Trace", "TraceError", "TraceStep", "gradcheck",
    "l2_penalty", "load_dataset", "numerical_gradient", "rel_error", "spiral", "train",
]
