"""The one allocator of identifiers: every name a compiled plan uses comes from a `Namer`.

Node variables, gradient variables, temporaries of an inlined gate, the globals
a gate's methods read (``np``, ``unbroadcast``, a learner's module's own names),
constants that cannot be written as literals, the chunk functions: each gets its
identifier from the same `Namer`, which knows every name taken so far. So no
user's name can collide with anything, whatever it is (``np``, ``dx``,
``s_local``, a keyword, a quote, a newline, ``σ``): a second claim on a name
gets a numbered variant instead (Tangent's ``Namer.unique`` does the same).
"""

from __future__ import annotations

import keyword
import re

__all__ = ["Namer", "identifier"]

#: Symbols of node names, spelled out for identifiers: ``‖W1‖²`` is ``W1_sq``, ``-s`` is ``neg_s``.
_SPELLED = (("‖", ""), ("²", "_sq"), ("+", "_plus_"), ("·", "_"), ("*", "_times_"), ("/", "_over_"),
            ("σ", "sigma"), ("@", "_at_"))
_NOT_WORD = re.compile(r"[\W_]+", flags=re.ASCII)


def identifier(text: str) -> str:
    """``text`` as a readable ASCII identifier, not a keyword: ``X·W1`` is ``X_W1``, ``1st`` is ``v_1st``.

    Non-ASCII names are spelled out rather than kept: Python folds Unicode
    identifiers (NFKC), so two different names could become one variable.

    Examples
    --------
    >>> identifier("X·W1"), identifier("-s"), identifier("‖q‖²"), identifier("class"), identifier("")
    ('X_W1', 'neg_s', 'q_sq', 'class_', 'v')
    >>> identifier("__builtins__"), identifier("a" + chr(10) + "b")
    ('v__builtins__', 'a_b')
    """
    if text.isascii() and text.isidentifier():
        word = text
    else:
        word = text
        for symbol, spelled in _SPELLED:
            word = word.replace(symbol, spelled)
        word = _NOT_WORD.sub("_", word.encode("ascii", "ignore").decode()).strip("_") or "v"
        if text.startswith("-"):
            word = f"neg_{word}"
    if word[0].isdigit():
        word = f"v_{word}"
    if keyword.iskeyword(word) or keyword.issoftkeyword(word):
        word = f"{word}_"
    if word.startswith("__") and word.endswith("__"):  # Python's own (``__builtins__``): never a variable
        word = f"v{word}"
    return word


class Namer:
    """Hands out identifiers no one else in the plan has.

    Every Python keyword is taken from the start, and so are the names given in
    ``taken`` (the builtins the plan's code calls, so that a node named ``max``
    cannot hide the builtin a gate's method calls).

    Examples
    --------
    >>> namer = Namer(taken={"np", "max"})
    >>> namer.name("x"), namer.name("x"), namer.name("np"), namer.name("max"), namer.name("x_2")
    ('x', 'x_2', 'np_2', 'max_2', 'x_2_2')
    """

    def __init__(self, taken: set[str] | frozenset[str] = frozenset()) -> None:
        self.taken: set[str] = {*keyword.kwlist, *keyword.softkwlist, *taken}

    def name(self, hint: str) -> str:
        """A new identifier made from ``hint`` (itself, if free; else ``hint_2``, ``hint_3``, ...)."""
        word = hint if hint.isascii() and hint.isidentifier() and not keyword.iskeyword(hint) \
            and not hint.startswith("__") else identifier(hint)
        taken = self.taken
        if word in taken:
            base, k = word, 2
            while word in taken:
                word, k = f"{base}_{k}", k + 1
        taken.add(word)
        return word
