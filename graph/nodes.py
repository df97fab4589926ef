"""Nodes of a computational graph: leaves (`Input`, `Parameter`, `Constant`) and gate nodes.

A gate node is made by calling a gate on nodes, ``Sigmoid()(a)``, or by an
operator, ``(x + y) * z``. Nodes only describe structure; `ComputationalGraph`
runs them. After a run, ``node.value`` holds the forward value and
``node.grad`` the gradient of the last ``backward``.
"""

from __future__ import annotations

import inspect
import itertools
import math
import numbers
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from gates import Add, Divide, Gate, MatMul, Multiply, Negate, Power, Subtract

from .errors import FeedError, GraphError

__all__ = ["Constant", "Input", "Node", "Parameter", "as_value", "serials", "show_later", "show_runs"]


class Node:
    """A value in the graph: a leaf, or the output of ``gate`` applied to ``inputs``.

    The structure (``gate``, ``inputs``) is set when the node is made; a graph
    sorts its nodes once and relies on it, so changing it afterwards needs a new
    graph (a structure that loops back on itself is a `GraphError`). ``value`` and ``grad`` show the last
    run that reached the node; each graph keeps its own record of its runs (its
    tape), so a node shared by several graphs shows the latest of them.

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
    needs_input_grad : tuple of bool
        For each input, whether it takes a gradient (a gate may skip the others).
    value, grad
        Forward value and gradient of the last run that reached this node (``None`` before).
    """

    __slots__ = ("name", "gate", "inputs", "requires_grad", "skips", "_value", "_grad", "last_run",
                 "__weakref__")
    name: str | None
    gate: Gate | None
    inputs: tuple[Node, ...]
    requires_grad: bool
    #: ``needs_input_grad`` for a gate whose ``backward`` can use it to skip work, when an input needs no
    #: gradient; else ``None`` (the gate is simply called with ``dout``).
    skips: tuple[bool, ...] | None
    _value: Any
    _grad: Any
    #: The run (a graph's tape) whose forward last ran this node's gate, and so owns what the gate kept.
    last_run: object
    # numpy defers to our reflected operators: ``array + node`` builds a node.
    __array_ufunc__ = None

    def __init__(self, name: str | None, gate: Gate | None = None, inputs: tuple[Node, ...] = (),
                 requires_grad: bool = False, value: Any = None) -> None:
        self.name, self.gate, self.inputs = name, gate, inputs
        self.skips = None
        if gate is not None:
            needs = [x.requires_grad for x in inputs]
            requires_grad = True in needs  # a gradient flows to a gate node if it flows to any input
            if False in needs and _can_skip(type(gate)):
                self.skips = tuple(needs)
        self.requires_grad, self._value, self._grad, self.last_run = requires_grad, value, None, None

    @property
    def value(self) -> Any:
        """The forward value of the last run that reached this node (``None`` before any)."""
        if _UNSHOWN:
            show_runs()
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value

    @property
    def grad(self) -> Any:
        """The gradient from the last backward that reached this node (``None`` before any); read-only."""
        if _UNSHOWN:
            show_runs()
        return self._grad

    @grad.setter
    def grad(self, grad: Any) -> None:
        self._grad = grad

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input, whether a gradient flows to it (a gate may skip computing the others)."""
        return tuple(x.requires_grad for x in self.inputs)

    @staticmethod
    def __gate_node__(gate: Gate, inputs: tuple[Any, ...], name: str | None) -> Node:
        """Make the node ``gate(*inputs)``; called by `gates.Gate.__call__`."""
        ref = _SERVED.get(id(gate))
        served = ref() if ref is not None else None
        if served is not None:
            _already_serves(gate, served)
        nodes = tuple(map(as_node, inputs))
        fewest, most = _arity(type(gate))
        if not fewest <= len(nodes) <= most:
            kind = type(gate).__name__
            names = ", ".join(inspect.signature(gate.forward).parameters)
            takes = fewest if fewest == most else f"{fewest} to {most}"
            raise GraphError(f"{kind}: forward({names}) takes {takes} input(s), got {len(nodes)}")
        node = Node(name, gate, nodes)
        _serves(gate, node)
        return node

    def named(self, name: str) -> Node:
        """Give this node a name (for error messages, traces and drawings); returns the node.

        >>> x, y = Input("x"), Input("y")
        >>> (x + y).named("q").name
        'q'
        """
        self.name = name
        return self

    # Operators: each builds a gate node; numbers become constants.
    def __add__(self, other: Any) -> Node:
        return Node.__gate_node__(Add(), (self, other), None)

    def __radd__(self, other: Any) -> Node:
        return Node.__gate_node__(Add(), (other, self), None)

    def __sub__(self, other: Any) -> Node:
        return Node.__gate_node__(Subtract(), (self, other), None)

    def __rsub__(self, other: Any) -> Node:
        return Node.__gate_node__(Subtract(), (other, self), None)

    def __mul__(self, other: Any) -> Node:
        return Node.__gate_node__(Multiply(), (self, other), None)

    def __rmul__(self, other: Any) -> Node:
        return Node.__gate_node__(Multiply(), (other, self), None)

    def __truediv__(self, other: Any) -> Node:
        return Node.__gate_node__(Divide(), (self, other), None)

    def __rtruediv__(self, other: Any) -> Node:
        return Node.__gate_node__(Divide(), (other, self), None)

    def __matmul__(self, other: Any) -> Node:
        return Node.__gate_node__(MatMul(), (self, other), None)

    def __rmatmul__(self, other: Any) -> Node:
        return Node.__gate_node__(MatMul(), (other, self), None)

    def __neg__(self) -> Node:
        return Node.__gate_node__(Negate(), (self,), None)

    def __pow__(self, p: Any) -> Node:
        if not isinstance(p, numbers.Real):
            raise TypeError(f"node {self.name!r}: ** takes a constant number as exponent, got "
                            f"{type(p).__name__}; for a variable exponent build exp(p * log(x))")
        return Node.__gate_node__(Power(cast(float, p)), (self,), None)

    def __repr__(self) -> str:
        args = ", ".join(repr(x.name) for x in self.inputs)
        return f"<{self.gate!r}({args}) node {self.name!r}>"

    def __str__(self) -> str:
        """How errors name the node: ``Multiply 'q'`` for a gate node, ``input 'x'`` for an input."""
        return f"{type(self.gate).__name__} {self.name!r}" if self.gate is not None else repr(self)


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

        Integer (of any size) and boolean feeds become float64 when a gradient
        is required; a 0-d feed becomes a scalar.

        Raises
        ------
        TypeError
            For strings, objects and complex values.
        FeedError
            For a shape that does not match ``shape``, a ragged nested list, or
            an integer that does not fit (beyond 64 bits in integer data).
        """
        given = value
        value = as_value(value, f"input {self.name!r}", to_float=self.requires_grad, copy=self.copy)
        if self.shape is not None:
            got = np.shape(value)
            if len(got) != len(self.shape) or any(
                    want is not None and want != n for want, n in zip(self.shape, got, strict=True)):
                raise FeedError(f"input {self.name!r}: expected shape {self.shape}, got {got}")
        if isinstance(value, np.ndarray) and value is not given:
            value.flags.writeable = False  # the graph's own copy: frozen, as a run records it
        return value

    def __repr__(self) -> str:
        extra = "" if self.shape is None else f", shape={self.shape}"
        extra += "" if self.requires_grad else ", requires_grad=False"
        extra += "" if self.copy else ", copy=False"
        return f"Input({self.name!r}{extra})"


class Parameter(Node):
    """A leaf that keeps its value between runs, such as a weight matrix.

    An optimizer updates ``param.value`` from the gradients that
    `ComputationalGraph.backward` returns, by assignment, in place
    (``W.value -= lr * dW``) or with `update`.

    A run records the value it used, and its gates keep it for ``backward``: that
    array is frozen (read-only) from then on. Reading ``value`` afterwards hands
    out a writable copy in its place, so an in-place update changes the
    parameter for the next run and never the run already recorded: its
    gradients, trace and drawing stay as they were.

    Examples
    --------
    >>> W = Parameter("W", [[1, 2], [3, 4]])
    >>> W.value
    array([[1., 2.],
           [3., 4.]])
    >>> W.value -= 1.0
    >>> W.value
    array([[0., 1.],
           [2., 3.]])
    """

    __slots__ = ()

    def __init__(self, name: str, value: Any) -> None:
        if not isinstance(name, str) or not name:
            raise GraphError(f"Parameter needs a non-empty string name, got {name!r}")
        super().__init__(name, requires_grad=True)
        self.value = value

    @property
    def value(self) -> np.ndarray:
        """The current value, an array of float64 (or float32) that you may change in place."""
        if not self._value.flags.writeable:  # a run recorded it: leave that one as it was
            self._value = self._value.copy()
        value: np.ndarray = self._value
        return value

    @value.setter
    def value(self, value: Any) -> None:
        if value is not getattr(self, "_value", None):  # (``W.value -= d`` assigns the same array back)
            self._value = np.array(as_value(value, f"parameter {self.name!r}", to_float=True))

    def recorded(self) -> np.ndarray:
        """The value for a run to record: read-only, and nobody else's to change.

        That is the array itself, frozen from now on, unless someone may still write
        to it: a view taken before the run (``row = W.value[0]``), or the array
        itself held elsewhere. Then the run records a frozen copy, and the
        parameter keeps its array (changing it changes the next run, never this one).
        """
        value: np.ndarray = self._value
        if value.flags.writeable and sys.getrefcount(value) > _OWN_REFERENCES:
            value = value.copy()
        value.flags.writeable = False
        return value

    def update(self, delta: Any) -> None:
        """Add ``delta`` to the value, keeping its dtype: ``value = value + delta``, as a new array.

        Unlike ``value += delta`` this never copies first: the old array is left
        to any run that recorded it.
        """
        self._value = np.add(self._value, delta, out=np.empty_like(self._value))

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, shape={np.shape(self._value)})"


#: References to a parameter's array when nobody else holds it: its slot, ``recorded``'s local and
#: ``sys.getrefcount``'s argument (CPython counts references; a view of the array holds one too).
_OWN_REFERENCES = 3


class Constant(Node):
    """A leaf with a fixed value and no gradient. Numbers in expressions become constants.

    Examples
    --------
    >>> Constant(2).value
    2.0
    """

    __slots__ = ()

    def __init__(self, value: Any, name: str | None = None) -> None:
        if type(value) is not float:  # (a Python float is the common case, and needs nothing)
            value = as_value(value, f"constant {name or value!r}", isinstance(value, numbers.Number))
            if isinstance(value, np.ndarray):
                value.flags.writeable = False  # a constant: our own copy, never to change
        super().__init__(name, value=value)

    def __repr__(self) -> str:
        return f"Constant({self.value!r})" if self.name is None else f"Constant({self.name!r})"


# --- what the nodes show: the last run that reached them -------------------------------------------

#: Every run's place in time: a run (interpreted or compiled) takes the next number when its forward
#: starts, and another when its backward ends.
serials = itertools.count(1)

#: Compiled runs whose values are not on their nodes yet, by the graph that ran them: a compiled plan
#: records its run lazily, and puts its values and gradients on the nodes only when someone looks
#: (`Node.value`), oldest first. Held weakly, graph and run: when the graph goes, so does its entry.
_UNSHOWN: weakref.WeakKeyDictionary[Any, tuple[int, weakref.WeakMethod[Callable[[], None]]]] = \
    weakref.WeakKeyDictionary()
_SHOWING = threading.Lock()


def show_later(graph: object, serial: int, show: Callable[[], None]) -> None:
    """Let ``show()`` put ``graph``'s last run (of time ``serial``) on its nodes when someone looks.

    ``show`` is a bound method of the run's record, held weakly; it must leave alone
    the nodes a later run has reached. A waiting run of ``graph`` is replaced.
    """
    with _SHOWING:
        _UNSHOWN[graph] = (serial, weakref.WeakMethod(show))


def show_runs() -> None:
    """Put every waiting run on its nodes, oldest first."""
    with _SHOWING:
        waiting = [show() for _, show in sorted(_UNSHOWN.values(), key=lambda entry: entry[0])]
        _UNSHOWN.clear()
    for show in waiting:
        if show is not None:
            show()


#: Which node each gate serves, by the gate's id: one gate instance serves one node. The node is held
#: weakly and holds its gate, so while the node lives the id is the gate's; an entry goes with its node.
_SERVED: dict[int, _Serves] = {}


class _Serves(weakref.ref):
    """A weak reference to the node a gate serves, which takes its entry in `_SERVED` with it."""

    __slots__ = ("gate_id",)
    gate_id: int


def _forget(ref: _Serves) -> None:
    """Drop the entry of a node that is gone (its gate is not: a node's weak references go first)."""
    if _SERVED.get(ref.gate_id) is ref:
        del _SERVED[ref.gate_id]


def _serves(gate: Gate, node: Node) -> None:
    """Record that ``gate`` serves ``node``, for as long as the node lives."""
    gate_id = id(gate)  # (one int object, the key and the reference's own)
    ref = _SERVED[gate_id] = _Serves(node, _forget)
    ref.gate_id = gate_id


def _already_serves(gate: Gate, served: Node) -> None:
    kind = type(gate).__name__
    which = (f"node {served.name!r}" if served.name is not None else
             f"an unnamed node computed from {', '.join(repr(x.name) for x in served.inputs)}")
    raise GraphError(f"this {kind} gate already serves {which}: "
                     f"one gate instance serves one node; make a new {kind}()")

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


_skippers: dict[type[Gate], bool] = {}


def _can_skip(kind: type[Gate]) -> bool:
    """Whether a gate class's ``backward`` takes ``needs_input_grad``, to skip unwanted gradients."""
    if kind not in _skippers:
        _skippers[kind] = "needs_input_grad" in inspect.signature(kind.backward).parameters
    return _skippers[kind]


def as_node(x: Any) -> Node:
    """``x`` itself if it is a node, else a `Constant` holding it."""
    return x if isinstance(x, Node) else Constant(x)  # (Node's subclasses are nodes too)


def as_value(value: Any, what: str, to_float: bool, copy: bool = True) -> Any:
    """The graph's own copy of a leaf value.

    Python floats pass as they are; other values become a numpy array (a numpy
    scalar when 0-d, a Python float when 0-d float64), copied unless ``copy`` is
    false. With ``to_float``, integers (of any size) and booleans become float64.

    Raises
    ------
    TypeError
        For strings, objects and complex values, naming ``what``.
    FeedError
        For ragged nested sequences, and for integers that do not fit the value's
        type: beyond 64 bits without ``to_float``, beyond float64's range with it.
    """
    if type(value) is float:  # the common scalar case, immutable: nothing to copy
        return value
    try:
        array = np.asarray(value)  # the caller's own array, when it is one
    except ValueError as exc:
        raise FeedError(f"{what}: cannot make an array of it: {exc}") from None
    if array.dtype == object and array.size and all(type(v) is int for v in array.flat):
        array = _big_integers(array, what, to_float)  # Python ints beyond 64 bits
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


def _big_integers(array: np.ndarray, what: str, to_float: bool) -> np.ndarray:
    """Python integers beyond int64 (numpy keeps them as objects): as float64, or a `FeedError`."""
    big = max(array.flat, key=abs)
    if not to_float:
        raise FeedError(f"{what}: the integer {big} does not fit in 64 bits; integer data (labels) must "
                        "lie in [-2**63, 2**64)")
    try:
        return array.astype(np.float64)
    except OverflowError:
        raise FeedError(f"{what}: an integer of {big.bit_length()} bits is beyond float64's range "
                        "(about ±1.8e308)") from None
