"""The `Gate` base class, its errors, and the helpers every broadcasting gate shares.

A gate is the lecture's unit of computation: ``forward`` computes its output from
its inputs and keeps what ``backward`` will need; ``backward`` receives the
upstream gradient and returns, for each input, local gradient x upstream gradient.
Nothing here knows that graphs exist: a gate holds no graph state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "ForwardFirstError", "Gate", "Kept", "ShapeError", "as_real", "broadcasting", "checked_upstream",
    "shape_of", "unbroadcast", "unbroadcast_like",
]


class ShapeError(ValueError):
    """Shapes that do not fit: the message names the gate, the input and both shapes.

    A gate raises ``ShapeError(detail, gate=self)``; the message then starts with
    the gate's class, and a graph that runs the gate adds the node's name:
    ``MatMul 'fc1': (2, 3) @ (4, 5): inner dimensions 3 != 4``.

    Attributes
    ----------
    gate : Gate or None
        The gate that raised it.
    node : str or None
        The name of the graph node the gate serves, when a graph ran it.
    """

    def __init__(self, detail: str, *, gate: Gate | None = None, node: str | None = None) -> None:
        super().__init__(detail)
        self.gate, self.node = gate, node

    def __str__(self) -> str:
        detail = super().__str__()
        if self.gate is None:
            return detail if self.node is None else f"node {self.node!r}: {detail}"
        where = type(self.gate).__name__ if self.node is None else f"{type(self.gate).__name__} {self.node!r}"
        return f"{where}: {detail}"


class ForwardFirstError(RuntimeError, AttributeError):
    """``backward`` ran before ``forward`` had kept what it needs.

    It is also an ``AttributeError``, so ``hasattr`` and ``getattr(..., default)``
    keep working on a gate that has not run yet.
    """


class Kept:
    """Declares a value that ``forward`` keeps for ``backward`` (the lecture's "must keep these around").

    Write ``x = Kept()`` in a gate's class body. ``forward`` stores ``self.x`` as
    usual, and from then on reading it is an ordinary attribute read (the
    instance's own value takes precedence over this declaration). Read before
    any ``forward`` has stored it, it raises `ForwardFirstError` naming the
    gate and the value. Declaring is optional: without it, Python's own
    ``AttributeError`` reports the missing attribute.

    Examples
    --------
    >>> class Square(Gate):
    ...     x = Kept()
    ...     def forward(self, x):
    ...         self.x = x
    ...         return x * x
    ...     def backward(self, dout):
    ...         return (2 * self.x * dout,)
    >>> Square().backward(1.0)
    Traceback (most recent call last):
      ...
    gates.base.ForwardFirstError: Square has no 'x' yet: backward() needs forward() to run first and keep it
    """

    name = "value"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, gate: object, owner: type | None = None) -> Any:
        if gate is None:  # looked up on the class itself
            return self
        raise ForwardFirstError(f"{type(gate).__name__} has no {self.name!r} yet: "
                                "backward() needs forward() to run first and keep it")


class Gate:
    """Base class of every gate: one ``forward`` and one ``backward``.

    A subclass implements

    - ``forward(self, *inputs)``: compute the output and store on ``self`` what
      ``backward`` needs (the lecture's "must keep these around");
    - ``backward(self, dout)``: return a tuple with one entry per input, the
      gradient of the final output with respect to that input (local gradient x
      ``dout``), shaped exactly like that input, or ``None`` for an input that
      has no gradient (class labels).

    That is all a new gate needs. Two things are optional: declaring the kept
    values with `Kept`, for a clear error when ``backward`` runs first; and a
    ``needs_input_grad`` keyword on ``backward`` (a tuple of bools, one per
    input), through which a graph tells the gate which gradients anybody wants,
    so that it may skip the others (`MatMul` skips the gradient of a data batch).

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
    """

    #: Label of the gate in drawings and traces, like the lecture's slides.
    symbol: str = "?"

    def forward(self, *inputs: Any) -> Any:
        """Compute the output from ``inputs`` and keep what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def backward(self, dout: Any) -> tuple[Any, ...]:
        """Return one gradient per input: local gradient x ``dout``."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward()")

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
            f"{type(self).__name__}: calling a gate builds a graph node and needs at least one graph node "
            "as input (import graph; graph.Input('x')); to compute on values, call .forward()"
        )

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


def as_real(gate: Gate, x: Any, index: int = 0) -> Any:
    """Input ``index`` of ``gate`` as gates compute on it: a float or an array of floats.

    Floats and float arrays pass unchanged (float16 and float32 stay so).
    Integers and booleans become float64, so that every gate computes in
    floating point: ``True + True`` is 2, not ``True``, and int8 cannot wrap
    around. Lists become arrays, so that ``+`` adds instead of concatenating.
    Anything else is an error naming the gate and the input.

    Raises
    ------
    TypeError
        For strings, None, objects, complex numbers, dates, and arrays of them.
    ShapeError
        For a ragged nested list.
    ValueError
        For a Python integer too large for a float.

    Examples
    --------
    >>> as_real(Gate(), 2.5), as_real(Gate(), 3), as_real(Gate(), [True, False])
    (2.5, 3.0, array([1., 0.]))
    >>> as_real(Gate(), "a", 1)
    Traceback (most recent call last):
      ...
    TypeError: Gate: input 1 must be real numbers (floats, ints or bools, or arrays of them), got str 'a'
    """
    if type(x) is float or ((type(x) is np.ndarray or isinstance(x, np.floating)) and x.dtype.kind == "f"):
        return x
    if isinstance(x, int):  # a Python int or bool
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{type(gate).__name__}: input {index} is an integer of {x.bit_length()} bits, "
                             "too large for a float") from None
    try:
        array = np.asarray(x)
    except ValueError as exc:  # a ragged nested list
        raise ShapeError(f"input {index} is not an array of numbers: {exc}", gate=gate) from None
    kind = array.dtype.kind
    if kind in "biu":
        array = array.astype(np.float64)
    elif kind != "f":
        got = f"{type(x).__name__} of dtype {array.dtype}" if isinstance(x, np.ndarray) else \
            f"{type(x).__name__} {x!r:.40}"
        raise TypeError(f"{type(gate).__name__}: input {index} must be real numbers "
                        f"(floats, ints or bools, or arrays of them), got {got}")
    return array if array.ndim else array[()]


def broadcasting(gate: Gate, op: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    """``op(x, y)`` for a binary elementwise gate, or a `ShapeError` when ``x`` and ``y`` do not broadcast.

    Examples
    --------
    >>> import operator
    >>> broadcasting(Gate(), operator.add, np.ones(3), 1.0)
    array([2., 2., 2.])
    >>> broadcasting(Gate(), operator.add, np.zeros((2, 3)), np.zeros(4))
    Traceback (most recent call last):
      ...
    gates.base.ShapeError: Gate: input 0 of shape (2, 3) and input 1 of shape (4,) do not broadcast together
    """
    try:
        return op(x, y)
    except ValueError:
        raise ShapeError(f"input 0 of shape {shape_of(x)} and input 1 of shape {shape_of(y)} "
                         "do not broadcast together", gate=gate) from None


def checked_upstream(gate: Gate, dout: Any, shape: tuple[int, ...]) -> Any:
    """``dout`` itself, if it has ``shape`` (the shape of the gate's output), else a `ShapeError`.

    For the gates whose local gradient is a constant (`Scale`, `Negate`,
    `AddConstant`): they keep nothing but their input's shape, and their gradient
    comes from ``dout`` alone, so ``dout`` must be shaped like the input.

    Examples
    --------
    >>> checked_upstream(Gate(), 2.0, ())
    2.0
    >>> checked_upstream(Gate(), np.ones(3), (2,))
    Traceback (most recent call last):
      ...
    gates.base.ShapeError: Gate: upstream gradient has shape (3,), expected (2,), the shape of its output
    """
    if shape_of(dout) != shape:
        raise ShapeError(f"upstream gradient has shape {shape_of(dout)}, expected {shape}, "
                         "the shape of its output", gate=gate)
    return dout


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
    if type(grad) is float and shape == ():  # a Python float: already a scalar, nothing was broadcast
        return grad
    grad_shape = shape_of(grad)
    if grad_shape == shape:
        return grad
    lead = len(grad_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1
    )
    return np.sum(grad, axis=axes).reshape(shape)


def unbroadcast_like(grad: Any, value: Any) -> Any:
    """``grad`` summed back to the shape of the input ``value``: ``unbroadcast(grad, shape_of(value))``.

    For a gate that keeps its inputs anyway (`Multiply`, `Divide`).

    Examples
    --------
    >>> unbroadcast_like(np.ones((2, 3)), np.zeros(3))
    array([2., 2., 2.])
    >>> unbroadcast_like(0.5, 2.0)
    0.5
    """
    if type(grad) is float and type(value) is float:  # (two Python floats: nothing was broadcast)
        return grad
    return unbroadcast(grad, shape_of(value))
