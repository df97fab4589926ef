"""The words of the step-through pages, one catalogue per language: ``en.py``, ``ko.py``, ...

Each language is one module in this package, with a ``MESSAGES`` dict from a key
to a ``str.format`` template, and ``NAME``, the language's own name. English
(``en``) is the default and has every key; another language has the very same
keys and the same fields in each template (the tests check it), so a third
language is one more file: copy ``en.py``, translate the right-hand sides, and
``Player(..., lang="xx")`` and ``gategraph lecture --html DIR --lang xx`` find it.

The templates hold words, never numbers: a caption's numbers are filled in as
fields (``{down}``, ``{local}``, ``{up}``), so every language shows the same
numbers, computed once. A field may stand anywhere in a template, as each
language's word order needs.

Examples
--------
>>> languages()[:2]
['en', 'ko']
>>> catalogue("ko")["done.head"]
'완료: '
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

__all__ = ["DEFAULT", "catalogue", "languages"]

#: The language of the pages unless one is asked for.
DEFAULT = "en"


def languages() -> list[str]:
    """The codes of the languages that have a catalogue here, sorted: ``['en', 'ko', ...]``."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_"))


@cache
def catalogue(lang: str = DEFAULT) -> dict[str, str]:
    """The messages of language ``lang``: key to template.

    Raises
    ------
    ValueError
        If no catalogue has that code; the message lists those there are.
    """
    if lang not in languages():
        raise ValueError(f"no messages in language {lang!r}; the languages are {', '.join(languages())}")
    messages: dict[str, str] = importlib.import_module(f"{__name__}.{lang}").MESSAGES
    return messages
