"""`Verdict`: what a checker says about a learner's code, in words, in numbers, and as a box in Jupyter.

A verdict names at most one mistake, by an id from `MISTAKES` (a gate's
backward, `graph.exercises.check`) or `ENGINE_MISTAKES` (a hand-written
engine, `graph.exercises.check_engine`), and explains it with the numbers of
the worst element and a hint in the lecture's words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["ENGINE_MISTAKES", "MISTAKES", "Verdict"]

#: The mistakes `check` names in a gate, with what each one means.
MISTAKES: dict[str, str] = {
    "not-implemented": "the code still raises NotImplementedError",
    "crashed": "the code raised an error",
    "wrong-count": "backward does not return one gradient per input",
    "wrong-shape": "a value or gradient is not shaped like it should be (broadcasting not undone, say)",
    "ignores-upstream": "backward returns the local gradient alone, never multiplied by dout",
    "swapped-inputs": "the gradients (or the inputs) of two inputs are swapped",
    "wrong-sign": "a gradient or value has the wrong sign",
    "wrong-scale": "a gradient or value is off by a constant factor",
    "transposed": "a gradient or value is the transpose of the right one",
    "stale-cache": "backward uses values kept from an earlier forward (or backward)",
    "mutates-upstream": "backward changes dout in place",
    "wrong": "the values are wrong in some other way",
}

#: The mistakes `check_engine` names in a hand-written engine (the lecture's two loops).
ENGINE_MISTAKES: dict[str, str] = {
    "not-implemented": "the code still raises NotImplementedError",
    "crashed": "the code raised an error",
    "missing-seed": "backward does not start from ∂f/∂f = 1",
    "wrong-order": "forward is not in topological order, or backward not in reverse",
    "assigns-at-fork": "where a value fans out, its gradient is assigned, not summed",
    "wrong": "the values or gradients are wrong in some other way",
}

_GREEN, _RED = "#1a7f37", "#cf222e"  # the drawings' colours for values and gradients


@dataclass(frozen=True, repr=False)
class Verdict:
    """The outcome of a check: passed, or the one mistake found, explained.

    Attributes
    ----------
    ok : bool
        Whether the learner's code agrees with the reference everywhere it was tried.
    mistake : str or None
        ``None`` when ``ok``; else an id of `MISTAKES` or `ENGINE_MISTAKES`.
    message : str
        What was tried, or what went wrong: in plain words, with the numbers of
        the worst element, and a hint. Text between backticks is code.
    subject : str
        What was checked (``"MyMultiply"``).

    Examples
    --------
    >>> v = Verdict(False, "wrong-sign", "Your dx = 4 should be -4.", "MyNegate")
    >>> print(v)
    ✗ MyNegate: wrong-sign
    Your dx = 4 should be -4.
    >>> v._repr_html_().startswith('<div data-gategraph-verdict="wrong-sign"')
    True
    """

    ok: bool
    mistake: str | None
    message: str
    subject: str = "your code"

    @property
    def title(self) -> str:
        """One line: ``✓ MyAdd passes`` or ``✗ MyAdd: wrong-sign``."""
        return f"✓ {self.subject} passes" if self.ok else f"✗ {self.subject}: {self.mistake}"

    def __str__(self) -> str:
        return f"{self.title}\n{self.message}"

    def __repr__(self) -> str:
        # At a prompt, the verdict itself: what a learner asked for.
        return str(self)

    def _repr_html_(self) -> str:
        """A green box (passed) or a red one (the mistake, explained), for Jupyter."""
        colour, tint = (_GREEN, "#f0fff4") if self.ok else (_RED, "#fff5f5")
        state = "ok" if self.ok else str(self.mistake)
        paragraphs = "".join(f'<p style="margin:0.35em 0">{_inline_code(p)}</p>'
                             for p in self.message.split("\n") if p.strip())
        return (f'<div data-gategraph-verdict="{html.escape(state)}" style="border:1px solid {colour}; '
                f"border-left:6px solid {colour}; background:{tint}; color:#1f2328; border-radius:4px; "
                'padding:0.5em 1em; margin:0.25em 0; line-height:1.45; font-family:system-ui, sans-serif">'
                f'<div style="font-weight:600; color:{colour}">{html.escape(self.title)}</div>'
                f"{paragraphs}</div>")


def _inline_code(text: str) -> str:
    """``text`` as HTML, with each `backticked` span as code.

    >>> _inline_code("write `a < b`")
    'write <code>a &lt; b</code>'
    """
    parts = re.split(r"`([^`]*)`", text)
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts))
