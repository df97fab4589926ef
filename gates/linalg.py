"""Vector and matrix gates: matrix product, squared norm, sum and mean.

The lecture's vectorised rule holds for each: the gradient with respect to a
variable always has that variable's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .base import Gate, Kept, ShapeError, as_real

__all__ = ["MatMul", "Mean", "SquaredNorm", "Sum"]


class MatMul(Gate):
    """``z = a @ b`` for 1-D and 2-D operands, as ``numpy.matmul``.

    Rule (2-D case): ``da = dout @ b.T``, ``db = a.T @ dout``. A 1-D operand has
    no ``.T`` to take: for the lecture's ``q = W·x`` (``W`` 2-D, ``x`` 1-D) the
    gradient ``dW = dq·xᵀ`` is the outer product ``dq[:, None] * x``, and
    ``dx = Wᵀ·dq`` is ``W.T @ dq`` as before. A graph passes ``needs_input_grad``;
    an input whose gradient nobody needs (a data batch) gets ``None``, and its
    matrix product is never formed.

    Shapes: ``a: (N, D)`` or ``(D,)``, ``b: (D, M)`` or ``(D,)``; ``z: (N, M)``,
    ``(N,)``, ``(M,)`` or ``()``; ``da`` like ``a``, ``db`` like ``b``.

    Examples
    --------
    The lecture's ``q = W·x``:

    >>> mm = MatMul()
    >>> W, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    >>> mm.forward(W, x)
    array([0.22, 0.26])
    >>> dW, dx = mm.backward(np.array([0.44, 0.52]))
    >>> dW
    array([[0.088, 0.176],
           [0.104, 0.208]])
    >>> dx
    array([-0.112,  0.636])
    >>> mm.backward(np.array([0.44, 0.52]), needs_input_grad=(True, False))[1] is None
    True
    """

    symbol = "@"
    a, b = Kept(), Kept()

    def forward(self, a: Any, b: Any) -> Any:
        a, b = np.asarray(as_real(self, a, 0)), np.asarray(as_real(self, b, 1))
        if a.ndim not in (1, 2) or b.ndim not in (1, 2):
            raise ShapeError(f"input {0 if a.ndim not in (1, 2) else 1} has shape "
                             f"{a.shape if a.ndim not in (1, 2) else b.shape}: "
                             f"{a.shape} @ {b.shape}: operands must be 1-D or 2-D", gate=self)
        if a.shape[-1] != b.shape[0]:
            raise ShapeError(f"{a.shape} @ {b.shape}: inner dimensions {a.shape[-1]} != {b.shape[0]}",
                             gate=self)
        self.a, self.b = a, b
        return a @ b

    def backward(self, dout: Any, needs_input_grad: tuple[bool, bool] = (True, True)) -> tuple[Any, Any]:
        a, b = self.a, self.b
        da = (None if not needs_input_grad[0] else
              dout @ b.T if b.ndim == 2 else           # (N, M) @ (M, D)
              dout[:, None] * b if a.ndim == 2 else    # b is a vector: the outer product dout·bᵀ
              dout * b)                                # a·b was a number
        db = (None if not needs_input_grad[1] else
              a.T @ dout if a.ndim == 2 else           # (D, N) @ (N, M)
              a[:, None] * dout if b.ndim == 2 else    # a is a vector: the outer product a·doutᵀ
              a * dout)
        return da, db


class SquaredNorm(Gate):
    """``f = ‖q‖² = sum(q**2)`` over all elements: ``dq = 2 q dout``.

    Shapes: ``q`` any; ``f`` a scalar; ``dq`` like ``q``.

    Examples
    --------
    >>> sq = SquaredNorm()
    >>> round(float(sq.forward(np.array([0.22, 0.26]))), 12)
    0.116
    >>> sq.backward(1.0)
    (array([0.44, 0.52]),)
    """

    symbol = "‖·‖²"
    q = Kept()

    def forward(self, q: Any) -> Any:
        q = as_real(self, q)
        self.q = q
        return np.sum(np.square(q))

    def backward(self, dout: Any) -> tuple[Any]:
        return (2.0 * self.q * dout,)


def _shape_text(shape: tuple[int, ...] | None, value: str) -> str:
    """A shape as code: the literal, when a compiler knows it, else ``np.shape(value)``."""
    return repr(shape) if shape is not None else f"np.shape({value})"


def spread(dout: Any, axis: int | tuple[int, ...] | None, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Copy ``dout`` back over the axes a reduction removed: a fresh array of ``shape``.

    Its dtype is the input's ``dtype`` promoted with ``dout``'s, a Python float
    counting for nothing: a float16 input gets a float16 gradient from ``dout = 1.0``.

    Examples
    --------
    >>> spread(np.array([1.0, 2.0]), 0, (3, 2), np.dtype(np.float64))
    array([[1., 2.],
           [1., 2.],
           [1., 2.]])
    """
    if axis is not None and shape:  # (numpy lets a 0-d input take axis 0, and removes nothing)
        dout = np.expand_dims(dout, axis)
    return np.broadcast_to(dout, shape).astype(np.result_type(dout, dtype))[()]


def _axis(gate: Gate, axis: Any) -> Any:
    """``axis`` if it is None, an int or a tuple of ints, else a `TypeError` naming the gate."""
    ints = axis if isinstance(axis, tuple) else (axis,)
    if axis is not None and not all(isinstance(i, (int, np.integer)) and type(i) is not bool for i in ints):
        raise TypeError(f"{type(gate).__name__}: axis must be None, an int or a tuple of ints, got {axis!r}")
    return axis


def reduced(gate: Gate, reduction: Callable[..., Any], x: Any, axis: Any) -> Any:
    """``reduction(x, axis=axis)``, or a `ShapeError` naming the gate when ``axis`` does not fit ``x``."""
    try:
        return reduction(np.asarray(x), axis=axis)  # (as an array: numpy lets a Python float take axis=0)
    except ValueError as exc:  # numpy's AxisError, or an axis given twice
        raise ShapeError(f"axis {axis!r} does not fit input 0 of shape {np.shape(x)}: {exc}",
                         gate=gate) from None


class Sum(Gate):
    """``z = sum(x)`` over ``axis`` (all elements by default): ``dx = dout`` everywhere.

    Every element was added once, so each receives the upstream gradient unchanged
    (the distributor rule of `Add`, many times over).

    Shapes: ``x`` any; ``z`` a scalar, or ``x`` without ``axis``; ``dx`` like ``x``.

    Examples
    --------
    >>> s = Sum()
    >>> s.forward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.float64(10.0)
    >>> s.backward(2.0)
    (array([[2., 2.],
           [2., 2.]]),)
    >>> Sum(axis=0).forward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([4., 6.])
    """

    symbol = "Σ"
    x_shape, dtype = Kept(), Kept()

    def __init__(self, axis: int | tuple[int, ...] | None = None) -> None:
        self.axis = _axis(self, axis)

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.x_shape, self.dtype = np.shape(x), np.result_type(x)
        return reduced(self, np.sum, x, self.axis)

    def backward(self, dout: Any) -> tuple[Any]:
        return (spread(dout, self.axis, self.x_shape, self.dtype),)


    def __repr__(self) -> str:
        return f"Sum(axis={self.axis!r})"


class Mean(Gate):
    """``z = mean(x)`` over ``axis`` (all elements by default): ``dx = dout / n``.

    ``n`` is the number of elements averaged into each output. The mean of
    nothing is ``nan`` (with numpy's warning), and its gradient is empty.

    Shapes: as `Sum`.

    Examples
    --------
    >>> m = Mean()
    >>> m.forward(np.array([1.0, 2.0, 3.0, 6.0]))
    np.float64(3.0)
    >>> m.backward(1.0)
    (array([0.25, 0.25, 0.25, 0.25]),)
    """

    symbol = "mean"
    x_shape, n, dtype = Kept(), Kept(), Kept()

    def __init__(self, axis: int | tuple[int, ...] | None = None) -> None:
        self.axis = _axis(self, axis)

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        out = reduced(self, np.mean, x, self.axis)
        self.x_shape, self.dtype = np.shape(x), np.result_type(x)
        self.n = np.size(x) // max(np.size(out), 1)
        return out

    def backward(self, dout: Any) -> tuple[Any]:
        return (spread(dout, self.axis, self.x_shape, self.dtype) / max(self.n, 1),)


    def __repr__(self) -> str:
        return f"Mean(axis={self.axis!r})"
