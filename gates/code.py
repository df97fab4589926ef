"""A gate's rule written as Python source, for `ComputationalGraph.compile()`.

Each built-in gate has a ``code(shapes)`` method next to its ``forward`` and
``backward`` that returns the same rule as a `Code`: the statements of its
forward, and one expression per input for its backward. A compiler (``graph``'s,
which this package does not know) fills in the names of the values and writes
the whole graph out as straight-line code, as the course notes' "staged
computation" does by hand.

Placeholders, in braces:

- the names of ``forward``'s parameters (``{x}``, ``{y}``, ``{a}``, ...): the inputs;
- ``{out}``: the output; ``{dout}``: the upstream gradient;
- ``{_name}``: a value of the gate's own (a temporary, or something kept for
  backward, like ``self.local`` of `Sigmoid`), named after the output;
- ``{gate}``: the gate object itself, for the few gates that call helpers of theirs.

A gate without a ``code`` method (a learner's own) is simply called through its
``forward`` and ``backward``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Code", "Shapes"]

#: The shapes of a gate's inputs, as a compiler knows them (``None`` where it does not).
Shapes = tuple[tuple[int, ...] | None, ...]


@dataclass(frozen=True)
class Code:
    """A gate's forward and backward as source text (see the module's docstring).

    Parameters
    ----------
    forward : str
        Statements, one per line, that compute ``{out}`` (and the gate's own
        ``{_values}``) from the inputs, with numpy (``np``); they must compute
        exactly what the gate's ``forward`` computes.
    backward : tuple of str or None
        One expression per input: its gradient, local gradient × ``{dout}``, before
        any broadcasting is undone; ``None`` for an input without a gradient.
    prelude : str
        Statements the backward expressions share, run first.
    broadcasts : bool
        Whether the inputs may broadcast against each other; the compiler then sums
        each gradient back to its input's shape, where the shapes differ.
    plain : bool
        Whether the code is plain arithmetic, right as written for Python floats.
    scalar : Code, optional
        The same rule for Python floats, with ``math`` where numpy would be slow;
        it may raise ``ArithmeticError`` or ``ValueError`` where numpy gives inf or
        nan (the compiler then runs the numpy code instead).
    inplace : str
        The forward again, writing its output into the array of the first input
        (``out={x}``): what a compiler may use when nothing else needs that input.
    inplace_backward : str
        The first input's gradient, written into the array of ``{dout}``: what a
        compiler may use when nothing else holds that gradient.
    converts : bool
        Whether the code turns integer and boolean inputs into floats itself, as
        ``forward`` does (`gates.base.as_real`); if not, a compiler does it first.

    Examples
    --------
    The multiply gate, the "switcher":

    >>> code = Code("{out} = {x} * {y}", ("{y} * {dout}", "{x} * {dout}"), broadcasts=True, plain=True)
    >>> code.forward.format(out="f", x="q", y="z")
    'f = q * z'
    >>> [line.format(x="q", y="z", dout="df") for line in code.backward]
    ['z * df', 'q * df']
    """

    forward: str
    backward: tuple[str | None, ...]
    prelude: str = ""
    broadcasts: bool = False
    plain: bool = False
    scalar: Code | None = None
    inplace: str = ""
    inplace_backward: str = ""
    converts: bool = False
