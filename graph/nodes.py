"""Nodes of a computational graph: leaves (`Input`, `Parameter`, `Constant`) and gate nodes.

A gate node is made by calling a gate on nodes, ``Sigmoid()(a)``, or by an
operator, ``(x + y) * z``. Nodes only describe structure; `ComputationalGraph`
runs them. After a run, ``node.value`` holds the forward value and
``node.grad`` the gradient of the last ``backward``.
"""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any, cast

import numpy as np

from gates import Add, Divide, Gate, MatMul, Multiply, Negate, Power, Subtract

from .errors import FeedError, GraphError

__all__ = ["Constant", "Input", "Node", "Parameter", "as_value"]


class Node:
    """A value in the graph: a leaf, or the output of ``gate`` applied to ``inputs``.

    Attributes
    ----------
    name : str or None
        Node name; unnamed gate nodes are named when a graph is built.
    gate : Gate or None
        The gate computing this node (``None`` for leaves).
    inputs : tuple of Node
        The nodes this one is computed from (empty for leaves).
    requires_grad : bool
        Whether a gradient flows to this node.
    value, grad
        Forward value and gradient after a run (``None`` before).
    """

    __slots__ = ("name", "gate", "inputs", "requires_grad", "value", "grad")
    name: str | None
    gate: Gate | None
    inputs: tuple[Node, ...]
    requires_grad: bool
    value: Any
    grad: Any
    # numpy defers to our reflected operators: ``array + node`` builds a node.
    __array_ufunc__ = None

    def __init__(self, name: str | None, gate: Gate | None = None, inputs: tuple[Node, ...] = (),
                 requires_grad: bool = False, value: Any = None) -> None:
        self.name, self.gate, self.inputs = name, gate, inputs
        self.requires_grad, self.value, self.grad = requires_grad, value, None

    @staticmethod
    def __gate_node__(gate: Gate, inputs: tuple[Any, ...], name: str | None) -> Node:
        """Make the node ``gate(*inputs)``; called by `gates.Gate.__call__`."""
        if isinstance(gate._node, Node):
            raise GraphError(f"{gate!r} already serves node {gate._node.name!r}: "
                             f"one gate instance serves one node; make a new {type(gate).__name__}")
        nodes = tuple(as_node(x) for x in inputs)
        fewest, most = _arity(type(gate))
        if not fewest <= len(nodes) <= most:
            names = ", ".join(inspect.signature(gate.forward).parameters)
            takes = fewest if fewest == most else f"{fewest} to {most}"
            raise GraphError(f"{gate}: forward({names}) takes {takes} input(s), got {len(nodes)}")
        node = Node(name, gate, nodes, requires_grad=any(x.requires_grad for x in nodes))
        gate._node = node
        if name is not None:
            gate.name = name
        return node

    def named(self, name: str) -> Node:
        """Give this node a name (for error messages, traces and drawings); returns the node.

        >>> x, y = Input("x"), Input("y")
        >>> (x + y).named("q").name
        'q'
        """
        self.name = name
        if self.gate is not None:
            self.gate.name = name
        return self

    # Operators: each builds a gate node; numbers become constants.
    def __add__(self, other: Any) -> Node:
        return _apply(Add(), self, other)

    def __radd__(self, other: Any) -> Node:
        return _apply(Add(), other, self)

    def __sub__(self, other: Any) -> Node:
        return _apply(Subtract(), self, other)

    def __rsub__(self, other: Any) -> Node:
        return _apply(Subtract(), other, self)

    def __mul__(self, other: Any) -> Node:
        return _apply(Multiply(), self, other)

    def __rmul__(self, other: Any) -> Node:
        return _apply(Multiply(), other, self)

    def __truediv__(self, other: Any) -> Node:
        return _apply(Divide(), self, other)

    def __rtruediv__(self, other: Any) -> Node:
        return _apply(Divide(), other, self)

    def __matmul__(self, other: Any) -> Node:
        return _apply(MatMul(), self, other)

    def __rmatmul__(self, other: Any) -> Node:
        return _apply(MatMul(), other, self)

    def __neg__(self) -> Node:
        return _apply(Negate(), self)

    def __pow__(self, p: Any) -> Node:
        if not isinstance(p, numbers.Real):
            raise TypeError(f"node {self.name!r}: ** takes a constant number as exponent, got "
                            f"{type(p).__name__}; for a variable exponent build exp(p * log(x))")
        return _apply(Power(cast(float, p)), self)

    def __repr__(self) -> str:
        args = ", ".join(repr(x.name) for x in self.inputs)
        return f"<{self.gate!r}({args}) node {self.name!r}>"


class Input(Node):
    """A value fed by name at each `ComputationalGraph.forward`.

    Parameters
    ----------
    name : str
        The feed's name.
    shape : tuple of (int or None), optional
        Required shape of the feed; ``None`` in a dimension accepts any size,
        e.g. ``(None, 3)`` for a batch of 3-vectors.
    requires_grad : bool, default True
        ``False`` for data and labels: no gradient is reported, and a feed keeps
        its dtype (integer labels stay integers).
    copy : bool, default True
        Copy each fed array, so that whatever the caller later does to it cannot
        reach ``backward``. ``False`` skips that memory pass, for a caller that
        never changes a fed array before ``backward`` has run (a training loop
        feeding fresh minibatches, say).

    Examples
    --------
    >>> x = Input("x", shape=(None, 2))
    >>> x.accept([[1, 2]])
    array([[1., 2.]])
    >>> x.accept([1, 2])
    Traceback (most recent call last):
      ...
    graph.errors.FeedError: input 'x': expected shape (None, 2), got (2,)
    """

    __slots__ = ("shape", "copy")

    def __init__(self, name: str, shape: tuple[int | None, ...] | None = None,
                 requires_grad: bool = True, copy: bool = True) -> None:
        if not isinstance(name, str) or not name:
            raise GraphError(f"Input needs a non-empty string name, got {name!r}")
        super().__init__(name, requires_grad=requires_grad)
        self.shape = None if shape is None else tuple(shape)
        self.copy = copy

    def accept(self, value: Any) -> Any:
        """Check ``value`` against this input and return the graph's own copy of it (see ``copy``).

        Integer and boolean feeds become float64 when a gradient is required;
        a 0-d feed becomes a scalar.

        Raises
        ------
        TypeError
            For strings, objects and complex values.
        FeedError
            For a shape that does not match ``shape``.
        """
        value = as_value(value, f"input {self.name!r}", to_float=self.requires_grad, copy=self.copy)
        if self.shape is not None:
            got = np.shape(value)
            if len(got) != len(self.shape) or any(
                    want is not None and want != n for want, n in zip(self.shape, got, strict=True)):
                raise FeedError(f"input {self.name!r}: expected shape {self.shape}, got {got}")
        return value

    def __repr__(self) -> str:
        extra = "" if self.shape is None else f", shape={self.shape}"
        extra += "" if self.requires_grad else ", requires_grad=False"
        extra += "" if self.copy else ", copy=False"
        return f"Input({self.name!r}{extra})"


class Parameter(Node):
    """A leaf that keeps its value between runs, such as a weight matrix.

    An optimizer updates ``param.value`` (in place or by assignment) from the
    gradients that `ComputationalGraph.backward` returns.

    Examples
    --------
    >>> W = Parameter("W", [[1, 2], [3, 4]])
    >>> W.value
    array([[1., 2.],
           [3., 4.]])
    """

    __slots__ = ()

    def __init__(self, name: str, value: Any) -> None:
        if not isinstance(name, str) or not name:
            raise GraphError(f"Parameter needs a non-empty string name, got {name!r}")
        super().__init__(name, requires_grad=True,
                         value=np.array(as_value(value, f"parameter {name!r}", to_float=True)))

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, shape={np.shape(self.value)})"


class Constant(Node):
    """A leaf with a fixed value and no gradient. Numbers in expressions become constants.

    Examples
    --------
    >>> Constant(2).value
    2.0
    """

    __slots__ = ()

    def __init__(self, value: Any, name: str | None = None) -> None:
        to_float = isinstance(value, numbers.Number)
        super().__init__(name, value=as_value(value, f"constant {name or value!r}", to_float))

    def __repr__(self) -> str:
        return f"Constant({self.value!r})" if self.name is None else f"Constant({self.name!r})"


_arities: dict[type[Gate], tuple[int, float]] = {}


def _arity(kind: type[Gate]) -> tuple[int, float]:
    """How many inputs a gate class's ``forward`` takes: (fewest, most), looked up once per class.

    ``most`` is infinite for ``forward(self, *inputs)``.
    """
    if kind not in _arities:
        params = list(inspect.signature(kind.forward).parameters.values())[1:]  # after self
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        fewest = sum(p.default is p.empty for p in positional)
        most = math.inf if any(p.kind is p.VAR_POSITIONAL for p in params) else len(positional)
        _arities[kind] = (fewest, most)
    return _arities[kind]


def _apply(gate: Gate, *inputs: Any) -> Node:
    """The node ``gate(*inputs)``: what the operators build."""
    return Node.__gate_node__(gate, inputs, None)


def as_node(x: Any) -> Node:
    """``x`` itself if it is a node, else a `Constant` holding it."""
    return x if isinstance(x, Node) else Constant(x)


def as_value(value: Any, what: str, to_float: bool, copy: bool = True) -> Any:
    """The graph's own copy of a leaf value.

    Python floats pass as they are; other values become a numpy array (a numpy
    scalar when 0-d, a Python float when 0-d float64), copied unless ``copy`` is
    false. With ``to_float``, integers and booleans become float64.

    Raises
    ------
    TypeError
        For strings, objects and complex values, naming ``what``.
    FeedError
        For ragged nested sequences.
    """
    if type(value) is float:  # the common scalar case, immutable: nothing to copy
        return value
    try:
        array = np.asarray(value)  # the caller's own array, when it is one
    except ValueError as exc:
        raise FeedError(f"{what}: cannot make an array of it: {exc}") from None
    kind = array.dtype.kind
    if kind not in "biuf":
        raise TypeError(f"{what}: expected numbers, got {type(value).__name__} of dtype {array.dtype}")
    if to_float and kind in "biu":
        array = array.astype(np.float64)  # a new array
    elif copy:
        array = array.copy()
    if array.ndim == 0:
        return float(array) if array.dtype == np.float64 else array[()]
    return array
