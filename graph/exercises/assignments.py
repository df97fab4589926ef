"""The exercise notebooks: sources with their solutions, and the student versions made from them.

The sources ship inside this package (``graph/exercises/notebooks/*.ipynb``)
and mark their solutions as nbgrader does, so a teacher's nbgrader can use them
as they are::

    def backward(self, dout):
        ### BEGIN SOLUTION
        return (2 * self.x * dout,)
        ### END SOLUTION

In a student version each solution block becomes ``raise NotImplementedError``
at the block's indentation (after a ``# YOUR CODE HERE`` line), hidden tests
(``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``) are removed, and so
are all outputs. Reading and writing notebooks needs nothing but the standard
library: ``gategraph exercises`` works wherever gategraph is installed.
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["BEGIN", "END", "Written", "sources", "student_notebook", "student_source",
           "write_student_notebooks"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def sources() -> list[Traversable]:
    """The source notebooks, with solutions, in the order they are meant to be done."""
    folder = resources.files(__package__) / "notebooks"
    return sorted((p for p in folder.iterdir() if p.name.endswith(".ipynb")), key=lambda p: p.name)


def _blocks(lines: list[str], begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """The (first, last) line numbers of each ``begin`` ... ``end`` block; a `ValueError` if unbalanced."""
    blocks, start = [], None
    for i, line in enumerate(lines):
        marker = line.strip()
        if marker == begin:
            if start is not None:
                raise ValueError(f"{where}: {begin!r} at line {i + 1} is inside the block "
                                 f"opened at line {start + 1}")
            start = i
        elif marker == end:
            if start is None:
                raise ValueError(f"{where}: {end!r} at line {i + 1} closes no block")
            blocks.append((start, i))
            start = None
    if start is not None:
        raise ValueError(f"{where}: {begin!r} at line {start + 1} has no {end!r}")
    return blocks


def student_source(source: str, where: str = "cell", *, markdown: bool = False) -> str:
    """One cell's source with its solutions replaced and its hidden tests removed.

    Parameters
    ----------
    source : str
        The cell's source.
    where : str
        Where the cell is, for error messages (``"02_sigmoid.ipynb, cell 7"``).
    markdown : bool
        A markdown cell's solution becomes ``YOUR ANSWER HERE`` instead of code.

    Raises
    ------
    ValueError
        For markers that do not pair up.

    Examples
    --------
    >>> print(student_source('''def backward(self, dout):
    ...     ### BEGIN SOLUTION
    ...     return (2 * self.x * dout,)
    ...     ### END SOLUTION'''))
    def backward(self, dout):
        # YOUR CODE HERE
        raise NotImplementedError
    """
    lines = source.split("\n")
    for first, last in reversed(_blocks(lines, HIDDEN_BEGIN, HIDDEN_END, where)):
        del lines[first:last + 1]
    for first, last in reversed(_blocks(lines, BEGIN, END, where)):
        indent = re.match(r"\s*", lines[first]).group()  # type: ignore[union-attr]
        stub = (["YOUR ANSWER HERE"] if markdown else
                [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError"])
        lines[first:last + 1] = stub
    return "\n".join(lines).rstrip("\n") if lines else ""


def student_notebook(notebook: dict[str, Any], name: str = "notebook") -> dict[str, Any]:
    """A copy of a source notebook (its JSON) as students get it: no solutions, hidden tests or outputs."""
    student: dict[str, Any] = json.loads(json.dumps(notebook))
    for number, cell in enumerate(student["cells"], start=1):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        text = student_source(source, f"{name}, cell {number}", markdown=cell["cell_type"] == "markdown")
        cell["source"] = text.splitlines(keepends=True)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return student


class Written(NamedTuple):
    """What `write_student_notebooks` did: the notebooks it wrote, and those it left as they were."""

    written: list[Path]
    kept: list[Path]


def write_student_notebooks(directory: str | os.PathLike[str], *, force: bool = False) -> Written:
    """Write the student version of each source notebook not yet in ``directory`` (made if missing).

    A notebook already in ``directory`` is the learner's work: it is left as it
    is, so that a folder holding exercises 1 to 5 gets the new ones and keeps the
    solved ones.

    Parameters
    ----------
    directory : path
    force : bool
        Overwrite the notebooks that are there already too.

    Returns
    -------
    Written
        The notebooks written, and those left alone (none with ``force``).

    Raises
    ------
    FileExistsError
        Without ``force``, when every notebook is there already (nothing to write).
    """
    directory = Path(directory)
    targets = [(source, directory / source.name) for source in sources()]
    kept = [] if force else [path for _, path in targets if path.exists()]
    if kept and len(kept) == len(targets):
        raise FileExistsError(f"{directory} already holds every exercise notebook "
                              f"({', '.join(p.name for p in kept)}); nothing was written")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for source, path in targets:
        if path in kept:
            continue
        notebook = student_notebook(json.loads(source.read_text(encoding="utf-8")), source.name)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return Written(written, kept)
