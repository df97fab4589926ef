"""Arithmetic gates: + - * / and the lecture's small helpers *c, +c, 1/x, x**p.

Binary gates follow numpy broadcasting; each gradient is summed back to its
input's own shape by `unbroadcast`.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .base import Gate, Kept, ShapeError, as_real, broadcasting, shape_of, unbroadcast
from .code import Code, Shapes

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

    def code(self, shapes: Shapes) -> Code:
        return Code("{out} = {x} + {y}", ("{dout}", "{dout}"), broadcasts=True, plain=True,
                    inplace="{out} = np.add({x}, {y}, out={x})")


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

    def code(self, shapes: Shapes) -> Code:
        return Code("{out} = {x} - {y}", ("{dout}", "-{dout}"), broadcasts=True, plain=True)


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
        return (unbroadcast(self.y * dout, shape_of(self.x)),
                unbroadcast(self.x * dout, shape_of(self.y)))

    def code(self, shapes: Shapes) -> Code:
        return Code("{out} = {x} * {y}", ("{y} * {dout}", "{x} * {dout}"), broadcasts=True, plain=True)


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
        return unbroadcast(dx, shape_of(self.x)), unbroadcast(dy, shape_of(self.y))

    def code(self, shapes: Shapes) -> Code:
        scalar = Code("{out} = {x} / {y}", ("{_dx}", "-{_dx} * {x} / {y}"), prelude="{_dx} = {dout} / {y}")
        return Code("{out} = np.divide({x}, {y})", ("{_dx}", "np.divide(-{_dx} * {x}, {y})"),
                    prelude="{_dx} = np.divide({dout}, {y})", broadcasts=True, scalar=scalar)


def _rescaled(gate: Gate, dout: Any, factor: float, shape: tuple[int, ...]) -> Any:
    """``factor * dout`` for a gate whose local gradient is the constant ``factor``.

    Such a gate keeps nothing but its input's shape, and checks ``dout`` against it:
    its gradient comes from ``dout`` alone and must be shaped like the input.
    """
    if shape_of(dout) != shape:
        raise ShapeError(f"upstream gradient has shape {shape_of(dout)}, "
                         f"expected {shape}, the shape of its output", gate=gate)
    return factor * dout


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
        return (_rescaled(self, dout, self.c, self.x_shape),)

    def code(self, shapes: Shapes) -> Code:
        return Code(f"{{out}} = {self.c!r} * {{x}}", (f"{self.c!r} * {{dout}}",), plain=True)

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
        return (_rescaled(self, dout, -1.0, self.x_shape),)

    def code(self, shapes: Shapes) -> Code:
        return Code("{out} = -{x}", ("-1.0 * {dout}",), plain=True)


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
        return (_rescaled(self, dout, 1.0, self.x_shape),)

    def code(self, shapes: Shapes) -> Code:
        return Code(f"{{out}} = {{x}} + {self.c!r}", ("{dout}",), plain=True)

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

    def code(self, shapes: Shapes) -> Code:
        return Code("{out} = np.divide(1.0, {x})", ("-({out} * {out}) * {dout}",),
                    scalar=Code("{out} = 1.0 / {x}", ("-({out} * {out}) * {dout}",)))


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
        if self.p == 0:
            return (np.zeros_like(self.x) * dout,)
        return (self.p * np.power(self.x, self.p - 1) * dout,)

    def code(self, shapes: Shapes) -> Code:
        p, p1 = repr(self.p), repr(self.p - 1)
        if self.p == 0:
            return Code(f"{{out}} = np.power({{x}}, {p})", ("np.zeros_like({x}) * {dout}",))
        def power(base: str, q: str) -> str:  # for floats: ** for a whole p, else math.pow (which refuses
            return f"{base} ** {q}" if self.p.is_integer() else f"math.pow({base}, {q})"  # a complex result)

        return Code(f"{{out}} = np.power({{x}}, {p})", (f"{p} * np.power({{x}}, {p1}) * {{dout}}",),
                    scalar=Code(f"{{out}} = {power('{x}', p)}", (f"{p} * {power('{x}', p1)} * {{dout}}",)))

    def __repr__(self) -> str:
        return f"Power({self.p!r})"
