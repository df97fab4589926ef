"""Checks of the places a command will write to, made before it starts any work.

A command that draws or saves should fail at once, with a usage error that says
why, when its output cannot be written: not after a minute of training, and not
with a traceback. Each check raises `PathError` with the reason; a command turns
it into ``parser.error(f"argument --svg: {exc}")``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["PathError", "writable_directory", "writable_file"]


class PathError(ValueError):
    """A place that cannot be written to; the message says why."""


def _probe(directory: Path) -> None:
    """Create and remove a file in ``directory``, or raise `PathError` saying why that fails."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise PathError(f"cannot write in the directory {str(directory)!r}: {exc.strerror or exc}") from None


def writable_directory(path: str | os.PathLike[str]) -> Path:
    """The directory ``path``, made (parents too) if missing, once checked that files can be written in it.

    Raises
    ------
    PathError
        When ``path`` or one of its parents is a file, or the directory cannot
        be created or written in (read-only, no permission, ...).

    Examples
    --------
    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> writable_directory(base / "out" / "svg").is_dir()
    True
    >>> (base / "notes.txt").write_text("")
    0
    >>> writable_directory(base / "notes.txt" / "svg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    graph.cli.paths.PathError: ... is a file, so no directory can be made under it
    """
    directory = Path(path)
    if str(path) == "":
        raise PathError("the path is empty")
    if directory.exists() and not directory.is_dir():
        raise PathError(f"{str(directory)!r} is a file, not a directory")
    for parent in directory.parents:
        if parent.exists():
            if not parent.is_dir():
                raise PathError(f"{str(parent)!r} is a file, so no directory can be made under it")
            break
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathError(f"cannot create the directory {str(directory)!r}: {exc.strerror or exc}") from None
    _probe(directory)
    return directory


def writable_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a file to write, after checking that it can be, and that writing it destroys nothing.

    ``path`` must be a regular file (to be replaced) or a new name, never a
    directory, a device, a FIFO or a socket (a symbolic link is followed), with a
    name that its file system can hold, in a directory that exists and takes
    files. Nothing is created: the directory must exist already.

    Raises
    ------
    PathError
        When ``path`` is empty, a directory, a device, a FIFO or a socket, or
        too long (`graph.nn.files.save_target`), or its directory is missing, a
        file, or cannot be written in.

    Examples
    --------
    >>> writable_file("")
    Traceback (most recent call last):
      ...
    graph.cli.paths.PathError: the path is empty
    >>> writable_file("/dev/null")
    Traceback (most recent call last):
      ...
    graph.cli.paths.PathError: '/dev/null' is a character device, not a regular file or a new path
    """
    from ..nn.files import save_target

    if str(path) == "":
        raise PathError("the path is empty")
    file = Path(path)
    try:
        target = Path(save_target(file))
    except ValueError as exc:
        raise PathError(str(exc)) from None
    except OSError:  # (a parent that is a file, a directory closed to us: said below)
        target = file.absolute()
    directory = target.parent
    if not directory.exists():
        raise PathError(f"no directory {str(file.parent)!r} to write into")
    if not directory.is_dir():
        raise PathError(f"{str(file.parent)!r} is a file, not a directory")
    _probe(directory)
    return file
