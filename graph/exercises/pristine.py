"""The built-in gates as they were when the checkers were imported: references no later patch can change.

A learner's cell that patches a gate (``gates.Multiply.backward = my_backward``,
or ``gates.Multiply = MyMultiply``) must not change the next verdict, which
compares against that gate. So when this module is imported, each public gate
class of `gates` is copied: a class of the same name, docstring and methods,
taken from the original class's own namespace as it was then. The checkers run
their references on those copies. They reference the one rule (the very same
function objects), they do not copy it.

Examples
--------
>>> import gates
>>> original = gates.Multiply.backward
>>> gates.Multiply.backward = lambda self, dout: (0.0, 0.0)      # a learner's patch
>>> gate = pristine(gates.Multiply())
>>> gate.forward(3.0, -4.0), gate.backward(2.0)
(-12.0, (-8.0, 6.0))
>>> gates.Multiply.backward = original
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

import gates
from gates import Gate

__all__ = ["BUILT_IN", "PRISTINE", "pristine", "pristine_class"]

G = TypeVar("G", bound=Gate)


def _public_gates() -> list[type[Gate]]:
    found = [getattr(gates, name) for name in gates.__all__]
    return [g for g in found if isinstance(g, type) and issubclass(g, Gate) and g is not Gate]


def _copy_of(cls: type[Gate], copies: dict[type, type]) -> type[Gate]:
    """A class like ``cls``, with its namespace as it is now and its bases copied the same way."""
    if cls in copies:
        return copies[cls]
    bases = tuple(b if b is Gate or not issubclass(b, Gate) else _copy_of(b, copies) for b in cls.__bases__)
    namespace = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    clone = type(cls.__name__, bases, namespace)
    copies[cls] = clone
    return clone


#: The public gate classes of `gates`, as they were at import.
BUILT_IN: tuple[type[Gate], ...] = tuple(_public_gates())

#: Each built-in gate class, and its copy taken at import.
PRISTINE: dict[type, type] = {}
for _cls in BUILT_IN:
    _copy_of(_cls, PRISTINE)


def pristine_class(cls: type[G]) -> type[G]:
    """The copy taken at import of a built-in gate class; any other class as it is."""
    return PRISTINE.get(cls, cls)


def pristine(gate: G) -> G:
    """A gate that computes what ``gate`` computed when the checkers were imported.

    A built-in gate becomes an instance of its copy, with a deep copy of the
    instance's own values (a `Scale`'s constant); any other gate (a learner's
    subclass, say) is returned as it is.
    """
    clone = PRISTINE.get(type(gate))
    if clone is None:
        return gate
    fresh: Any = object.__new__(clone)
    fresh.__dict__.update(copy.deepcopy(vars(gate)))
    return fresh  # type: ignore[no-any-return]
