"""The tape: the record of one run of a graph, written as the run happens and read by every view.

`ComputationalGraph.forward` starts a new `Tape` and records in it the value of
every node, in topological order; `ComputationalGraph.backward` records, gate by
gate in reverse order, the upstream gradient the gate received and the downstream
gradient it sent to each of its inputs, and sums what reaches each node (the
"copy adds gradients" rule). The trace, the drawings, the player, the exercise
checker and the compiler read this record: none of them runs a gate again or
looks at what a node shared with another graph happens to hold now.

The values a run records are read-only arrays from then on (the output that
``forward`` returns among them): a gate may keep any of them for its
``backward``, so changing one in place is refused at the change.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np

from gates import ShapeError
from gates.base import shape_of

from .errors import GraphError
from .nodes import Node, serials

__all__ = ["RUNS", "Step", "Tape", "add_gradients", "cast_like", "checked_count", "checked_gradient",
           "checked_value", "name_the_node", "own", "public"]

#: One run at a time: a forward or a backward holds this lock while its loop runs, so that graphs
#: sharing gates or parameters can be used from several threads (`ComputationalGraph`, Notes).
RUNS = threading.RLock()


class Record(Protocol):
    """A run recorded otherwise than by the interpreter's loops (a compiled plan's): a tape on demand."""

    def tape(self) -> Tape: ...


class Step(NamedTuple):
    """One gate's share of a backward pass: what came in, and what went out to each input.

    The local gradient follows from these: for a gate with a one-element output,
    ``local[i] = downstream[i] / upstream`` (see `graph.views.trace`).
    """

    #: The gate's node.
    node: Node
    #: ∂f/∂node: the gradient that reached the node, summed over its uses; shaped like its value.
    upstream: Any
    #: ∂f/∂input through this gate, one per input, shaped like that input; ``None`` where none was sent.
    downstream: tuple[Any, ...]


class Tape:
    """What one run of a graph computed and passed along, node by node and gate by gate.

    Parameters
    ----------
    order : sequence of Node
        The graph's nodes in topological order, leaves first, ``output`` last.
    output : Node
    gate_nodes : sequence of Node, optional
        The nodes of ``order`` that have a gate, if the graph knows them already.
    takes_grads : int, optional
        How many nodes of ``order`` require a gradient, if the graph knows it already.

    Attributes
    ----------
    order, output, gate_nodes
        As given.
    values : dict of Node to value
        Each node's forward value, recorded as ``forward`` computed it.
    grads : dict of Node to gradient
        After ``backward``: each node's gradient ∂f/∂node, summed over its uses.
    sent : list of tuple
        After ``backward``: what each gate that received a gradient sent on, one
        gradient per input, in the order backward ran them (`steps` pairs each with
        its node and upstream gradient, as `Step` records).
    dout : float or ndarray or None
        The gradient ``backward`` started from (∂f/∂f = 1, or the ``dout`` given).
    forward_done, backward_done : bool
        Whether ``forward`` (and then ``backward``) ran to the end.
    thread : int
        The thread that ran ``forward``.
    """

    def __init__(self, order: Sequence[Node], output: Node, gate_nodes: Sequence[Node] | None = None,
                 takes_grads: int | None = None) -> None:
        self.serial = self.grad_serial = next(serials)  # this run's place in time (`graph.nodes.serials`)
        self.order, self.output = order, output
        self.gate_nodes = [n for n in order if n.gate is not None] if gate_nodes is None else gate_nodes
        #: How many nodes take a gradient (each gets one, unless a gate gives None).
        self.takes_grads = sum(n.requires_grad for n in order) if takes_grads is None else takes_grads
        self.values: dict[Node, Any] = {}
        self.grads: dict[Node, Any] = {}
        self.sent: list[tuple[Any, ...]] = []
        self.dout: Any = None
        self.forward_done = self.backward_done = False
        self.thread = threading.get_ident()

    # --- forward ---------------------------------------------------------------------------------

    def inputs(self, node: Node) -> tuple[Any, ...]:
        """The values of ``node``'s inputs in this run, in order (what its gate's forward takes)."""
        values, inputs = self.values, node.inputs
        if len(inputs) == 2:  # (written out for one and two inputs: a comprehension costs more than a gate)
            return values[inputs[0]], values[inputs[1]]
        if len(inputs) == 1:
            return (values[inputs[0]],)
        return tuple([values[x] for x in inputs])

    def finish_forward(self) -> Any:
        """End a forward: check and freeze every value, show it on its node, mark the gates as this run's.

        Returns the output's value, as the user gets it.
        """
        values = self.values
        for node in self.gate_nodes:
            value = values[node]
            if type(value) is not float:
                values[node] = value = checked_value(node, value)
            node._value = value
            node.last_run = self
        self.forward_done = True
        return public(values[self.output])

    def abandon(self, failed: Node) -> None:
        """A forward stopped at ``failed``: mark every gate it ran, so that no backward trusts what they kept.

        A value that is not a number, recorded before ``failed``, is the likelier
        cause of the failure: it is reported instead.
        """
        for node in self.order:
            if node.gate is not None and (node in self.values or node is failed):
                node.last_run = self
        for node, value in self.values.items():
            if node.gate is not None and type(value) is not float:
                checked_value(node, value)

    # --- backward --------------------------------------------------------------------------------

    @property
    def steps(self) -> list[Step]:
        """One `Step` per gate that passed a gradient on, in the order backward ran them."""
        grads = self.grads
        senders = (node for node in reversed(self.gate_nodes) if node in grads)
        return [Step(node, grads[node], downstream)
                for node, downstream in zip(senders, self.sent, strict=False)]

    def send(self, node: Node, upstream: Any, downstream: Any) -> None:
        """Record what ``node``'s gate returned for ``upstream``, and pass it on to the inputs.

        Each input's gradient is checked (a number or an array, shaped exactly like
        the input; see `checked_gradient`) and added to what the input has received
        so far: a value used several times gets the sum of its gradients.
        """
        inputs = node.inputs
        if type(downstream) is not tuple or len(downstream) != len(inputs):
            downstream = checked_count(node, downstream)
        grads, values = self.grads, self.values
        sent = downstream
        for x, g in zip(inputs, downstream):  # noqa: B905 (counted above; a keyword costs a tenth here)
            if type(g) is not float or type(values[x]) is not float:  # (two floats need no check)
                if g is None:
                    continue
                g, sent = self._checked(node, x, g, upstream, downstream, sent)
            if x.requires_grad:
                have = grads.get(x)
                grads[x] = g if have is None else have + g  # fan-out: gradients add, into a new value
        self.sent.append(sent)

    def _checked(self, node: Node, x: Node, grad: Any, upstream: Any, downstream: tuple[Any, ...],
                 sent: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        """``grad``, sent to ``x``, checked (`checked_gradient`); and what the record keeps as sent."""
        index = next(i for i, g in enumerate(downstream) if g is grad and node.inputs[i] is x)
        checked = checked_gradient(node, index, grad, self.values[x], upstream, downstream)
        if checked is not grad:  # copied or cast: the record keeps what was passed on
            sent = (*sent[:index], checked, *sent[index + 1:])
        return checked, sent

    def finish_backward(self) -> None:
        """Show each node's gradient on the node (``node.grad``, read-only), and mark the backward done."""
        grads = self.grads
        for node, g in grads.items():
            if type(g) is not float and isinstance(g, np.ndarray):
                g.flags.writeable = False
            node._grad = g
        if len(grads) != self.takes_grads:  # a node that got no gradient (its gates gave None) shows None
            for node in self.order:
                if node.requires_grad and node not in grads:
                    node._grad = None
        self.grad_serial = next(serials)
        self.backward_done = True


# --- what the engine checks of what gates return ----------------------------------------------------

_NUMERIC = "biuf"


def checked_value(node: Node, value: Any) -> Any:
    """A gate's output, if it is a number or a numeric array; an array is frozen (read-only) from now on."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _NUMERIC:
            raise TypeError(f"{node}: forward returned an array of dtype {value.dtype}; "
                            "a gate's output must be real numbers")
        value.flags.writeable = False
        return value
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return value
    raise TypeError(f"{node}: forward returned {type(value).__name__} {value!r:.60}; "
                    "a gate's output must be a number or a numpy array")


def checked_count(node: Node, grads: Any) -> tuple[Any, ...]:
    """``grads`` as a tuple if it holds one gradient per input, else a `ShapeError`."""
    n = len(node.inputs)
    if not isinstance(grads, (tuple, list)) or len(grads) != n:
        got = f"{len(grads)}" if isinstance(grads, (tuple, list)) else f"a {type(grads).__name__}"
        raise ShapeError(f"backward must return a tuple of {n} gradient(s), one per input, got {got}",
                         gate=node.gate, node=node.name)
    return tuple(grads)


def checked_gradient(node: Node, index: int, grad: Any, value: Any, upstream: Any,
                     downstream: tuple[Any, ...] | list[Any]) -> Any:
    """Gradient ``index`` of what ``node``'s gate returned, checked; None stays None.

    A gradient must be a real number or array shaped exactly like its input
    ``value``; it comes back in the input's dtype (`cast_like`).

    An array that shares memory with ``upstream`` or with another gradient of the
    same gate (a gate may hand ``dout`` straight through, or return one array for
    two inputs) is copied: each node's gradient must be an array of its own.
    """
    if grad is None:
        return None
    source = node.inputs[index]
    which = f"input {index} ({source.name!r})" if source.name is not None else f"input {index}"
    if isinstance(grad, np.ndarray):
        if grad.dtype.kind not in "uif":
            raise TypeError(f"{node}: backward returned a gradient of dtype {grad.dtype} for {which}; "
                            "gradients must be real numbers")
    elif not isinstance(grad, (int, float, np.integer, np.floating)) or isinstance(grad, bool):
        raise TypeError(f"{node}: backward returned {type(grad).__name__} {grad!r:.60} as the gradient "
                        f"for {which}; a gradient must be a number or a numpy array")
    if shape_of(grad) != shape_of(value):
        raise ShapeError(f"gradient for {which} has shape {shape_of(grad)}, "
                         f"expected {shape_of(value)}, the input's shape", gate=node.gate, node=node.name)
    if isinstance(grad, np.ndarray) and (np.may_share_memory(grad, upstream) or any(
            h is not grad and isinstance(h, np.ndarray) and np.may_share_memory(grad, h) for h in downstream)
            or sum(h is grad for h in downstream) > 1):
        grad = grad.copy()
    return cast_like(grad, value)


def cast_like(grad: Any, value: Any) -> Any:
    """``grad`` in the dtype of its variable ``value``: a gradient has its variable's dtype (as in PyTorch).

    A float16 input whose gate multiplied it by a float64 parameter gets a float16
    gradient, not numpy's promoted float64; integers get no conversion.

    Examples
    --------
    >>> cast_like(np.ones(2), np.zeros(2, np.float16)).dtype
    dtype('float16')
    >>> cast_like(np.float32(0.5), 1.0), cast_like(2.0, 1.0)
    (np.float64(0.5), 2.0)
    """
    if type(grad) is float and type(value) is float:
        return grad
    want = np.dtype(np.float64) if type(value) is float else getattr(value, "dtype", None)
    if want is None or want.kind != "f":
        return grad
    have = np.dtype(np.float64) if type(grad) is float else getattr(grad, "dtype", None)
    if have is None or have == want:
        return grad
    if isinstance(grad, np.ndarray):
        return grad.astype(want)
    return want.type(grad)


def add_gradients(a: Any, b: Any) -> Any:
    """``a + b``, where either may be None (a gate that gave no gradient): the other, or None.

    >>> add_gradients(None, 2.0), add_gradients(1.0, 2.0), add_gradients(None, None)
    (2.0, 3.0, None)
    """
    return b if a is None else a if b is None else a + b


def public(value: Any) -> Any:
    """A value as the user gets it: 0-d values as Python floats, arrays as they are."""
    return float(value) if shape_of(value) == () else value


def own(grad: Any) -> Any:
    """A gradient as the caller of ``backward`` gets it: 0-d as a Python float, an array as a copy.

    The copy is the caller's own, to change at will (``dW += reg * W``, as the
    course's code does); the run's record keeps its own, read-only.
    """
    if isinstance(grad, np.ndarray) and grad.ndim:
        return grad.copy()
    return float(grad)


def stale_error(node: Node) -> GraphError:
    """The error for a gate whose kept values another run has overwritten."""
    return GraphError(f"{node}: another graph's forward has run this node's gate since this graph's "
                      "forward, so what the gate kept for backward belongs to that run; "
                      "run this graph's forward again, then backward")


def name_the_node(exc: BaseException, node: Node, run: str) -> None:
    """Say in ``exc`` which node's gate raised it: in a `ShapeError`'s message, else in a note.

    An error that names the node already (the engine's own checks) is left as it is.
    """
    if isinstance(exc, ShapeError) and exc.gate is node.gate:
        if exc.node is None:
            exc.node = node.name
    elif sys.version_info >= (3, 11) and node.gate is not None and repr(node.name) not in str(exc):
        exc.add_note(f"(in the {run} of node {node.name!r}, gate {node.gate!r})")
