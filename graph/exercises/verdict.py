"""`Verdict`: what a checker says about a learner's code, in words, in numbers, and as a box in Jupyter.

A verdict names at most one mistake, by an id of the table every checker shares
(`graph.exercises.mistakes`), and explains it with the numbers of the worst
element and a hint in the lecture's words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["Verdict"]

_GREEN, _RED = "#1a7f37", "#cf222e"  # the drawings' colours for values and gradients


@dataclass(frozen=True, repr=False)
class Verdict:
    """The outcome of a check: passed, or the one mistake found, explained.

    Attributes
    ----------
    ok : bool
        Whether the learner's code agrees with the reference everywhere it was tried.
    mistake : str or None
        ``None`` when ``ok``; else an id of the table of mistakes (`graph.exercises.mistakes.TABLE`).
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
