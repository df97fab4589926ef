"""The `Gate` base class, its errors, and `unbroadcast`.

A gate is the lecture's unit of computation: ``forward`` computes its output from
its inputs and keeps what ``backward`` will need; ``backward`` receives the
upstream gradient and returns, for each input, local gradient x upstream gradient.
Nothing here knows that graphs exist.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ForwardFirstError", "Gate", "ShapeError", "broadcast_error", "shape_of", "unbroadcast"]


class ShapeError(ValueError):
    """Shapes that do not fit: the message names the gate, the input and both shapes."""


class ForwardFirstError(RuntimeError, AttributeError):
    """``backward`` ran before ``forward`` had kept what it needs.

    It is also an ``AttributeError``, so ``hasattr`` and ``getattr(..., default)``
    keep working on a gate that has not run yet.
    """


class Gate:
    """Base class of every gate: one ``forward`` and one ``backward``.

    A subclass implements

    - ``forward(self, *inputs)``: compute the output and store on ``self`` what
      ``backward`` needs (the lecture's "must keep these around");
    - ``backward(self, dout)``: return a tuple with one entry per input, the
      gradient of the final output with respect to that input (local gradient x
      ``dout``), shaped exactly like that input, or ``None`` for an input that
      has no gradient (class labels).

    That is all a new gate needs. Two attributes are filled in by a graph and may
    be ignored: ``name`` (the node's name, used in error messages) and
    ``needs_input_grad`` (a tuple of bools; a gate may skip gradients nobody
    needs, as `MatMul` does for a data batch).

    Examples
    --------
    A gate of your own, ``f(x) = x**3``, in a few lines:

    >>> class Cube(Gate):
    ...     symbol = "^3"
    ...     def forward(self, x):
    ...         self.x = x
    ...         return x**3
    ...     def backward(self, dout):
    ...         return (3 * self.x**2 * dout,)
    >>> cube = Cube()
    >>> cube.forward(2.0)
    8.0
    >>> cube.backward(1.0)
    (12.0,)
    >>> Cube().backward(1.0)
    Traceback (most recent call last):
      ...
    gates.base.ForwardFirstError: Cube has no 'x' yet: backward() needs forward() to run first and keep it
    """

    #: Label of the gate in drawings and traces, like the lecture's slides.
    symbol: str = "?"
    #: Name of the node this gate serves (set by a graph), shown in error messages.
    name: str | None = None
    #: Which inputs need a gradient (set by a graph); ``None`` means all of them.
    needs_input_grad: tuple[bool, ...] | None = None
    #: What this gate serves, if anything (a graph's node); a gate serves one node only.
    _node: object = None

    def forward(self, *inputs: Any) -> Any:
        """Compute the output from ``inputs`` and keep what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def backward(self, dout: Any) -> tuple[Any, ...]:
        """Return one gradient per input: local gradient x ``dout``."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward()")

    def needs_grad(self, index: int) -> bool:
        """Whether input ``index`` needs a gradient (always true outside a graph)."""
        return self.needs_input_grad is None or self.needs_input_grad[index]

    def __call__(self, *inputs: Any, name: str | None = None) -> Any:
        """Apply the gate to graph nodes, making a new node: ``Sigmoid()(a)``.

        Building nodes is the graph package's job; a node type takes part by
        defining ``__gate_node__(gate, inputs, name)`` (as ``graph.Node`` does),
        so this package never imports ``graph``.
        """
        for x in inputs:
            make_node = getattr(type(x), "__gate_node__", None)
            if make_node is not None:
                return make_node(self, inputs, name)
        raise TypeError(
            f"{self}: calling a gate builds a graph node and needs at least one graph node "
            "as input (import graph; graph.Input('x')); to compute on values, call .forward()"
        )

    def __getattr__(self, attr: str) -> Any:
        # Reached only when ordinary lookup fails: usually backward asking for something
        # forward has not kept yet (or a misspelt name, which the message also fits).
        if attr.startswith("_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")
        raise ForwardFirstError(
            f"{self} has no {attr!r} yet: backward() needs forward() to run first and keep it"
        )

    def __str__(self) -> str:
        kind = type(self).__name__
        return f"{kind} {self.name!r}" if self.name is not None else kind

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def shape_of(x: Any) -> tuple[int, ...]:
    """``numpy.shape(x)``, but fast for the values gates pass around.

    ``np.shape`` of a Python float costs about as much as a whole scalar gate;
    floats, numpy scalars and arrays answer directly here.

    Examples
    --------
    >>> shape_of(2.0), shape_of(np.float64(2.0)), shape_of(np.zeros((2, 3))), shape_of([1, 2])
    ((), (), (2, 3), (2,))
    """
    if type(x) is float:
        return ()
    shape = getattr(x, "shape", None)
    return np.shape(x) if shape is None else shape


def broadcast_error(gate: Gate, x: Any, y: Any) -> ShapeError:
    """The error for inputs of a binary elementwise gate that do not broadcast together.

    Examples
    --------
    >>> print(broadcast_error(Gate(), np.zeros((2, 3)), np.zeros(4)))
    Gate: input 0 of shape (2, 3) and input 1 of shape (4,) do not broadcast together
    """
    return ShapeError(f"{gate}: input 0 of shape {shape_of(x)} and input 1 of shape {shape_of(y)} "
                      "do not broadcast together")


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes that broadcasting added, giving it ``shape``.

    When an input of shape ``shape`` was broadcast in forward, each of its elements
    was used many times; by the "copy adds gradients" rule its gradient is the sum
    over those uses.

    Parameters
    ----------
    grad : array, shape broadcast from ``shape``
        Gradient with respect to the broadcast value.
    shape : tuple of int
        Shape of the input before broadcasting.

    Returns
    -------
    array of ``shape`` (``grad`` itself when no axis was broadcast)

    Examples
    --------
    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    >>> unbroadcast(np.ones((2, 3)), (2, 1))
    array([[3.],
           [3.]])
    >>> unbroadcast(np.ones(4), ())
    np.float64(4.0)
    """
    if shape == () and type(grad) is float:  # scalar in, scalar out: the common fast case
        return grad
    grad_shape = shape_of(grad)
    if grad_shape == shape:
        return grad
    lead = len(grad_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1
    )
    return np.sum(grad, axis=axes).reshape(shape)
