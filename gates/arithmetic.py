"""Arithmetic gates: + - * / and the lecture's small helpers *c, +c, 1/x, x**p.

Binary gates follow numpy broadcasting; each gradient is summed back to its
input's own shape by `unbroadcast`.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .base import Gate, Kept, as_real, broadcasting, checked_upstream, shape_of, unbroadcast, unbroadcast_like

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
    x_shape, y_shape = Kept(), Kept()

    def forward(self, x: Any, y: Any) -> Any:
        x, y = as_real(self, x, 0), as_real(self, y, 1)
        self.x_shape, self.y_shape = shape_of(x), shape_of(y)
        return broadcasting(self, operator.add, x, y)

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
    x_shape, y_shape = Kept(), Kept()

    def forward(self, x: Any, y: Any) -> Any:
        x, y = as_real(self, x, 0), as_real(self, y, 1)
        self.x_shape, self.y_shape = shape_of(x), shape_of(y)
        return broadcasting(self, operator.sub, x, y)

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
    x, y = Kept(), Kept()

    def forward(self, x: Any, y: Any) -> Any:
        x, y = as_real(self, x, 0), as_real(self, y, 1)
        self.x, self.y = x, y
        return broadcasting(self, operator.mul, x, y)

    def backward(self, dout: Any) -> tuple[Any, Any]:
        return unbroadcast_like(self.y * dout, self.x), unbroadcast_like(self.x * dout, self.y)


class Divide(Gate):
    """``z = x / y``: ``dx = dout / y``, ``dy = -dout * x / y**2``.

    Division by zero gives ``inf`` or ``nan`` with numpy's warning, whatever the
    type of the values (a Python float included). Shapes: as `Add`.

    Examples
    --------
    >>> div = Divide()
    >>> div.forward(3.0, 2.0)
    np.float64(1.5)
    >>> div.backward(1.0)
    (np.float64(0.5), np.float64(-0.75))
    """

    symbol = "/"
    x, y = Kept(), Kept()

    def forward(self, x: Any, y: Any) -> Any:
        x, y = as_real(self, x, 0), as_real(self, y, 1)
        self.x, self.y = x, y
        return broadcasting(self, np.divide, x, y)

    def backward(self, dout: Any) -> tuple[Any, Any]:
        dx = np.divide(dout, self.y)                    # local gradient 1 / y
        dy = np.divide(-dx * self.x, self.y)            # local gradient -x / y**2
        return unbroadcast_like(dx, self.x), unbroadcast_like(dy, self.y)


def _constant(kind: str, c: Any) -> float:
    """``c`` as the constant of a gate ``kind``, or a `TypeError` saying that it must be a real number."""
    if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, float, np.integer, np.floating)):
        raise TypeError(f"{kind}: the constant must be a real number, got {c!r} ({type(c).__name__})")
    return float(c)


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

    x_shape = Kept()

    def __init__(self, c: float) -> None:
        self.c = _constant("Scale", c)
        self.symbol = f"*{self.c:g}"

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.x_shape = shape_of(x)
        return self.c * x

    def backward(self, dout: Any) -> tuple[Any]:
        return (self.c * checked_upstream(self, dout, self.x_shape),)


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
    x_shape = Kept()

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.x_shape = shape_of(x)
        return -x

    def backward(self, dout: Any) -> tuple[Any]:
        return (-checked_upstream(self, dout, self.x_shape),)


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

    x_shape = Kept()

    def __init__(self, c: float) -> None:
        self.c = _constant("AddConstant", c)
        self.symbol = f"+{self.c:g}"

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.x_shape = shape_of(x)
        return x + self.c

    def backward(self, dout: Any) -> tuple[Any]:
        return (checked_upstream(self, dout, self.x_shape),)


    def __repr__(self) -> str:
        return f"AddConstant({self.c!r})"


class Reciprocal(Gate):
    """``z = 1 / x``: ``dx = -dout / x**2 = -z**2 * dout``. Shapes: like ``x``.

    ``1 / 0`` is ``inf`` with numpy's warning, whatever the type of ``x``.

    Examples
    --------
    >>> inv = Reciprocal()
    >>> float(inv.forward(1.37))  # doctest: +ELLIPSIS
    0.7299...
    >>> round(float(inv.backward(1.0)[0]), 2)
    -0.53
    """

    symbol = "1/x"
    out = Kept()

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.out = np.divide(1.0, x)
        return self.out

    def backward(self, dout: Any) -> tuple[Any]:
        return (-(self.out * self.out) * dout,)


class Power(Gate):
    """``z = x**p`` for a constant exponent ``p``: ``dx = p * x**(p-1) * dout``.

    ``x**0`` is the constant 1, so its gradient is 0 everywhere, ``x = 0`` included.
    Shapes: ``z`` and ``dx`` like ``x``.

    Examples
    --------
    >>> square = Power(2)
    >>> square.forward(3.0)
    np.float64(9.0)
    >>> square.backward(1.0)
    (np.float64(6.0),)
    """

    x = Kept()

    def __init__(self, p: float) -> None:
        self.p = _constant("Power", p)
        self.symbol = f"**{self.p:g}"

    def forward(self, x: Any) -> Any:
        x = as_real(self, x)
        self.x = x
        return np.power(x, self.p)

    def backward(self, dout: Any) -> tuple[Any]:
        # (x**0 = 1 has no slope, not even at x = 0, where p * x**(p-1) would give 0 * inf)
        return (np.zeros_like(self.x) * dout if self.p == 0 else
                self.p * np.power(self.x, self.p - 1) * dout,)


    def __repr__(self) -> str:
        return f"Power({self.p!r})"
