"""Arithmetic gates: + - * / and the lecture's small helpers *c, +c, 1/x, x**p.

Binary gates follow numpy broadcasting; each gradient is summed back to its
input's own shape by `unbroadcast`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Gate, ShapeError, broadcast_error, shape_of, unbroadcast

__all__ = [
    "Add", "AddConstant", "Divide", "Multiply", "Negate", "Power", "Reciprocal", "Scale", "Subtract",
]


class Add(Gate):
    """``z = x + y``, the gradient distributor: ``dx = dout``, ``dy = dout``.

    Shapes: ``x``, ``y`` broadcastable; ``z`` their broadcast shape; ``dx``
    like ``x``, ``dy`` like ``y``.

    Examples
    --------
    >>> add = Add()
    >>> add.forward(-2.0, 5.0)
    3.0
    >>> add.backward(-4.0)
    (-4.0, -4.0)
    """

    symbol = "+"

    def forward(self, x: Any, y: Any) -> Any:
        self.x_shape, self.y_shape = shape_of(x), shape_of(y)
        try:
            return x + y
        except ValueError:
            raise broadcast_error(self, x, y) from None

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return unbroadcast(dout, self.x_shape), unbroadcast(dout, self.y_shape)


class Subtract(Gate):
    """``z = x - y``: ``dx = dout``, ``dy = -dout``.

    Shapes: as `Add`.

    Examples
    --------
    >>> sub = Subtract()
    >>> sub.forward(5.0, 2.0)
    3.0
    >>> sub.backward(1.0)
    (1.0, -1.0)
    """

    symbol = "-"

    def forward(self, x: Any, y: Any) -> Any:
        self.x_shape, self.y_shape = shape_of(x), shape_of(y)
        try:
            return x - y
        except ValueError:
            raise broadcast_error(self, x, y) from None

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return unbroadcast(dout, self.x_shape), unbroadcast(-dout, self.y_shape)


class Multiply(Gate):
    """``z = x * y``, the gradient switcher: ``dx = y * dout``, ``dy = x * dout``.

    Shapes: as `Add`.

    Examples
    --------
    >>> mul = Multiply()
    >>> mul.forward(3.0, -4.0)
    -12.0
    >>> mul.backward(2.0)
    (-8.0, 6.0)
    """

    symbol = "*"

    def forward(self, x: Any, y: Any) -> Any:
        self.x, self.y = x, y
        try:
            return x * y
        except ValueError:
            raise broadcast_error(self, x, y) from None

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return (unbroadcast(self.y * dout, shape_of(self.x)),
                unbroadcast(self.x * dout, shape_of(self.y)))


class Divide(Gate):
    """``z = x / y``: ``dx = dout / y``, ``dy = -dout * x / y**2``.

    Shapes: as `Add`.

    Examples
    --------
    >>> div = Divide()
    >>> div.forward(3.0, 2.0)
    1.5
    >>> div.backward(1.0)
    (0.5, -0.75)
    """

    symbol = "/"

    def forward(self, x: Any, y: Any) -> Any:
        self.x, self.y = x, y
        try:
            return x / y
        except ValueError:
            raise broadcast_error(self, x, y) from None

    def backward(self, dout: Any) -> tuple[Any, Any]:
        dx = dout / self.y
        return (unbroadcast(dx, shape_of(self.x)),
                unbroadcast(-dx * self.x / self.y, shape_of(self.y)))


def _rescaled(gate: Gate, dout: Any, factor: float, shape: tuple[int, ...]) -> Any:
    """``factor * dout`` for a gate whose local gradient is the constant ``factor``.

    Such a gate keeps nothing but its input's shape, and checks ``dout`` against it:
    its gradient comes from ``dout`` alone and must be shaped like the input.
    """
    if shape_of(dout) != shape:
        raise ShapeError(f"{gate}: upstream gradient has shape {shape_of(dout)}, "
                         f"expected {shape}, the shape of its output")
    return factor * dout


class Scale(Gate):
    """``z = c * x`` for a constant ``c`` (the lecture's "*-1" gate is ``Scale(-1)``).

    Rule: ``dx = c * dout``. Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> neg = Scale(-1)
    >>> neg.forward(4.0)
    -4.0
    >>> neg.backward(-0.53)
    (0.53,)
    """

    def __init__(self, c: float) -> None:
        self.c = c
        self.symbol = f"*{c:g}"

    def forward(self, x: Any) -> Any:
        self.x_shape = shape_of(x)
        return self.c * x

    def backward(self, dout: Any) -> tuple[Any]:
        return (_rescaled(self, dout, self.c, self.x_shape),)

    def __repr__(self) -> str:
        return f"Scale({self.c!r})"


class Negate(Gate):
    """``z = -x``: ``dx = -dout``. Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> neg = Negate()
    >>> neg.forward(2.0)
    -2.0
    >>> neg.backward(3.0)
    (-3.0,)
    """

    symbol = "-x"

    def forward(self, x: Any) -> Any:
        self.x_shape = shape_of(x)
        return -x

    def backward(self, dout: Any) -> tuple[Any]:
        return (_rescaled(self, dout, -1.0, self.x_shape),)


class AddConstant(Gate):
    """``z = x + c`` for a constant ``c`` (the lecture's "+1" gate is ``AddConstant(1)``).

    Rule: ``dx = dout``. Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> plus_one = AddConstant(1)
    >>> plus_one.forward(0.37)
    1.37
    >>> plus_one.backward(-0.53)
    (-0.53,)
    """

    def __init__(self, c: float) -> None:
        self.c = c
        self.symbol = f"+{c:g}"

    def forward(self, x: Any) -> Any:
        self.x_shape = shape_of(x)
        return x + self.c

    def backward(self, dout: Any) -> tuple[Any]:
        return (_rescaled(self, dout, 1.0, self.x_shape),)

    def __repr__(self) -> str:
        return f"AddConstant({self.c!r})"


class Reciprocal(Gate):
    """``z = 1 / x``: ``dx = -dout / x**2 = -z**2 * dout``. Shapes: like ``x``.

    Examples
    --------
    >>> inv = Reciprocal()
    >>> inv.forward(1.37)  # doctest: +ELLIPSIS
    0.7299...
    >>> round(inv.backward(1.0)[0], 2)
    -0.53
    """

    symbol = "1/x"

    def forward(self, x: Any) -> Any:
        self.out = 1.0 / x
        return self.out

    def backward(self, dout: Any) -> tuple[Any]:
        return (-(self.out * self.out) * dout,)


class Power(Gate):
    """``z = x**p`` for a constant exponent ``p``: ``dx = p * x**(p-1) * dout``.

    Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> square = Power(2)
    >>> square.forward(3.0)
    np.float64(9.0)
    >>> square.backward(1.0)
    (np.float64(6.0),)
    """

    def __init__(self, p: float) -> None:
        self.p = p
        self.symbol = f"**{p:g}"

    def forward(self, x: Any) -> Any:
        self.x = x
        return np.power(x, self.p)

    def backward(self, dout: Any) -> tuple[Any]:
        return (self.p * np.power(self.x, self.p - 1) * dout,)

    def __repr__(self) -> str:
        return f"Power({self.p!r})"
