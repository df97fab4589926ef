"""Network files: written atomically, and read only after every claim they make has been checked.

A saved `Network` is an ``.npz`` archive: a zip of ``.npy`` arrays, written by
numpy. `write_atomically` writes it to a temporary file beside the target and
renames it into place, so that a failure (a full disk, a crash) leaves the
previous file as it was; `save_target` refuses, before any work, a target that
the rename would destroy (a directory, a device, a FIFO, a socket) or whose name
the file system cannot hold. `NpzArchive` reads one: it refuses anything that is
not such an archive, with a message that says what the file is instead, and reads
each array's header before its data, so that a caller can check shapes against
each other, and a small file that claims huge arrays, before anything is
allocated. Nothing in a file is ever executed: no pickles.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import secrets
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

__all__ = ["ArrayHeader", "FileFormatError", "NpzArchive", "save_target", "write_atomically"]

#: Deflate never expands data more than about 1032 times; a member claiming more is forged.
_MAX_DEFLATE_RATIO = 1100

#: The readers of the ``.npy`` header versions that numpy writes for plain arrays.
_HEADER_READERS: dict[tuple[int, int], Callable[[Any], tuple[tuple[int, ...], bool, np.dtype]]] = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


#: What each kind of file that is not a regular file is called in a message.
_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFIFO: "a FIFO (a named pipe)", stat.S_IFSOCK: "a socket", stat.S_IFLNK: "a symbolic link"}

#: Whether this system can create, inspect and rename files relative to an open directory.
_DIR_FD = {os.open, os.stat, os.replace, os.unlink} <= os.supports_dir_fd


def save_target(path: str | os.PathLike[str]) -> str:
    """The file that a save to ``path`` will replace or create, once checked that doing so destroys nothing.

    ``path`` must be a regular file (to be replaced) or a new name in an
    existing directory. A symbolic link is followed: the check and the save
    apply to the file it points to. Nothing is written.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        The absolute path of the file to write, symbolic links resolved.

    Raises
    ------
    ValueError
        Naming ``path``, before any work, when it is empty, ends with a slash,
        is a directory, a device, a FIFO or a socket, or is longer than its file
        system takes (a name of more than 255 bytes, on most).
    OSError
        When ``path`` cannot be inspected (no permission to search its directory, ...).

    Examples
    --------
    >>> save_target("/dev/null")
    Traceback (most recent call last):
      ...
    ValueError: '/dev/null' is a character device, not a regular file or a new path
    >>> import tempfile
    >>> save_target(os.path.join(tempfile.mkdtemp(), "x" * 300))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    ValueError: '...xxx': the file name is 300 bytes long; this file system takes names of at most 255 bytes
    """
    text = os.fspath(path)
    if not text:
        raise ValueError("the path is empty; give the name of a file to save to")
    target = os.path.realpath(text)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        if text.endswith((os.sep, os.altsep or os.sep)):
            raise ValueError(f"{text!r} ends with {text[-1]!r}: it names a directory, not a file") from None
        return target
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise ValueError(_too_long(text, target)) from None
        raise
    if not stat.S_ISREG(mode):
        raise ValueError(f"{text!r} is {_KINDS.get(stat.S_IFMT(mode), 'something else')}, not a regular file "
                         "or a new path")
    return target


def _too_long(text: str, target: str) -> str:
    """Why the file system refuses the path ``target`` (given as ``text``) as too long."""
    directory = os.path.dirname(target)
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):  # (the directory is missing or too long itself; the usual limit)
        limit = 255
    for part in target.split(os.sep):
        if len(os.fsencode(part)) > limit:
            which = "file name" if part == os.path.basename(target) else f"directory name {part[:20]!r}..."
            return (f"{text!r}: the {which} is {len(os.fsencode(part))} bytes long; this file system takes "
                    f"names of at most {limit} bytes")
    return f"{text!r}: the path is {len(os.fsencode(target))} bytes long, longer than this system takes"


def write_atomically(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(file)`` on a new file, then put it in place of ``path`` in one step.

    ``path`` is checked first (`save_target`): a save replaces only a regular
    file, and creates only a new one. The file is written beside ``path`` under
    a short temporary name of its own (``.gategraph-XXXXXXXX.tmp``: any final
    name that fits the file system can be written), flushed to disk and renamed
    over ``path`` (`os.replace`); if anything fails, the temporary file is
    removed and ``path`` is left as it was. A symbolic link is followed: the file
    it points to is replaced. The new file gets the old one's permissions, or
    the usual ones for a new file (0666 less the umask).

    Raises
    ------
    ValueError
        Before anything is written, when ``path`` is not a regular file or a new
        path, or is too long (`save_target`); and, removing what was written, when
        something other than a regular file took its place in the meantime.
    OSError
        When the directory is missing or cannot be written, the disk is full, ...
    """
    target = save_target(path)
    directory, name = os.path.split(target)
    with _directory(directory) as (dir_fd, where):
        while True:
            temporary = f".gategraph-{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(where(temporary), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666, dir_fd=dir_fd)
                break
            except FileExistsError:  # pragma: no cover - 32 random bits taken already
                continue
        try:
            with os.fdopen(fd, "wb") as file:
                write(file)
                file.flush()
                existing = _existing(where(name), dir_fd)
                if existing is not None:  # keep the permissions of the file replaced
                    os.chmod(file.fileno(), stat.S_IMODE(existing))
                os.fsync(file.fileno())
            if (existing := _existing(where(name), dir_fd)) is not None and not stat.S_ISREG(existing):
                kind = _KINDS.get(stat.S_IFMT(existing), "something else")
                raise ValueError(f"{os.fspath(path)!r} became {kind} while the file was written; "
                                 "it was left as it is")
            os.replace(where(temporary), where(name), src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(where(temporary), dir_fd=dir_fd)
            raise
        if dir_fd is not None:  # make the rename itself durable, where the system allows
            with contextlib.suppress(OSError):
                os.fsync(dir_fd)


@contextlib.contextmanager
def _directory(directory: str) -> Iterator[tuple[int | None, Callable[[str], str]]]:
    """``directory`` opened for the calls ``os.f(where(name), dir_fd=dir_fd)``.

    Where the system allows, names are resolved relative to an open descriptor
    of the directory, so that a temporary name next to a final path of any
    allowed length stays short; elsewhere ``dir_fd`` is None and ``where``
    joins the name to the directory's path.
    """
    if not _DIR_FD:  # pragma: no cover - not on Linux or macOS
        yield None, lambda name: os.path.join(directory, name)
        return
    dir_fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        yield dir_fd, lambda name: name
    finally:
        os.close(dir_fd)


def _existing(name: str, dir_fd: int | None) -> int | None:
    """The mode of the file ``name`` (a link not followed), or None when there is none."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class ArrayHeader:
    """What an ``.npy`` member of an archive says about its array, read before its data."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool

    @property
    def nbytes(self) -> int:
        """The size of the data the header announces, in bytes (a Python int: never overflows)."""
        return math.prod(self.shape) * self.dtype.itemsize


class FileFormatError(ValueError):
    """A file that is not what it should be; the message names the file and says what is wrong."""


#: The general-purpose flag bits of a zip member that this reader cannot honour: encrypted (0),
#: compressed patched data (5), strong encryption (6).
_UNREADABLE_FLAGS = {0x01: "encrypted", 0x20: "compressed patched data", 0x40: "strongly encrypted"}


class NpzArchive:
    r"""An ``.npz`` file opened for checked reading; use it as a context manager.

    Every fault of the file's content, whatever it is (a truncation, a flipped
    byte, a forged size, offset, version or flag), is a `FileFormatError`, a
    `ValueError` that names the file: never another exception from the zip or
    ``.npy`` readers. Every member's checksum is verified as it is read.

    Parameters
    ----------
    path : str or path-like

    Attributes
    ----------
    path : str
    headers : dict of str to ArrayHeader
        Every array of the archive by name, from its header alone.

    Raises
    ------
    FileFormatError
        A `ValueError` naming the file, when it is not an ``.npz`` archive of
        plain numeric or text arrays: empty, random bytes, a single ``.npy``
        array, a truncated or corrupt zip, a member that is not an ``.npy``
        array, pickled objects.
    OSError
        When the file cannot be read at all (missing, a directory, a disk error, ...).

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> np.savez(path, W=np.ones((2, 3)))
    >>> with NpzArchive(path) as archive:
    ...     archive.headers["W"].shape, archive.read("W").sum()
    ((2, 3), np.float64(6.0))
    >>> with open(path, "r+b") as file:
    ...     _ = file.seek(-6, os.SEEK_END); _ = file.write(b"\xff\xff\xff\x7f")  # a forged offset
    >>> NpzArchive(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    graph.nn.files.FileFormatError: '...a.npz': member 'W.npy' is not a readable ... outside the file ...
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._file = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        try:
            self._zip = self._open_zip()
            self.headers = {name[:-4]: self._header(info) for name, info in self._members().items()}
        except BaseException:
            self._file.close()
            raise

    def error(self, problem: str) -> FileFormatError:
        """A `FileFormatError` that names this file and says what is wrong with it."""
        return FileFormatError(f"{self.path!r}: {problem}")

    @contextlib.contextmanager
    def _reading(self, what: str) -> Iterator[None]:
        """Turn whatever the zip and ``.npy`` readers raise on malformed content into a `FileFormatError`.

        They raise `zipfile.BadZipFile`, `EOFError`, `ValueError`, `TypeError`,
        `RuntimeError` (an encrypted member), `NotImplementedError` (an unknown
        zip version), `struct.error`, `zlib.error`, and `OSError` for a seek to a
        forged negative offset (EINVAL), each for its own kind of damage. Any
        other `OSError` is the machine's (a disk error) and passes through.
        """
        try:
            yield
        except FileFormatError:
            raise
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            raise self.error(f"{what}: it points outside the file ({exc.strerror})") from None
        except Exception as exc:  # every fault of the content, whatever the reader raised
            raise self.error(f"{what}: {exc}" if isinstance(exc, (ValueError, zipfile.BadZipFile, EOFError))
                             else f"{what}: {type(exc).__name__}: {exc}") from None

    def _open_zip(self) -> zipfile.ZipFile:
        start = self._file.read(8)
        self._file.seek(0)
        if not start:
            raise self.error("the file is empty")
        if start.startswith(b"\x93NUMPY"):
            raise self.error("this is a .npy file holding a single array, not an .npz archive of arrays")
        if not start.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise self.error(f"not an .npz archive (a zip of .npy arrays): it starts with {start!r}")
        with self._reading("a damaged or truncated .npz archive"):
            return zipfile.ZipFile(self._file)
        raise AssertionError("unreachable")  # pragma: no cover - (for mypy: _reading re-raises)

    def _members(self) -> dict[str, zipfile.ZipInfo]:
        members: dict[str, zipfile.ZipInfo] = {}
        size = os.fstat(self._file.fileno()).st_size
        for info in self._zip.infolist():
            name = info.filename
            if not name.endswith(".npy") or "/" in name:
                raise self.error(f"member {name!r} is not an .npy array")
            if name in members:
                raise self.error(f"member {name!r} is in the archive twice")
            if flags := [what for bit, what in _UNREADABLE_FLAGS.items() if info.flag_bits & bit]:
                raise self.error(f"member {name!r} is marked {', '.join(flags)}; a saved network never is")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.error(f"member {name!r} is compressed by method {info.compress_type}; only stored "
                                 "and deflated members are read")
            if info.compress_type == zipfile.ZIP_STORED:
                plausible = info.compress_size == info.file_size
            else:
                plausible = info.file_size <= _MAX_DEFLATE_RATIO * info.compress_size + 1024
            if not plausible or info.header_offset + info.compress_size > size:
                raise self.error(f"member {name!r} claims {info.file_size} bytes that the file cannot hold "
                                 f"(the file has {size} bytes): it is truncated or forged")
            members[name] = info
        return members

    def _header(self, info: zipfile.ZipInfo) -> ArrayHeader:
        name = info.filename
        with self._reading(f"member {name!r} is not a readable .npy array"), self._zip.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version not in _HEADER_READERS:
                raise self.error(f"member {name!r}: .npy format version {version} is not supported")
            shape, fortran_order, dtype = _HEADER_READERS[version](member)
            offset = member.tell()
        if dtype.hasobject or dtype.fields is not None or dtype.kind not in "biufU" or not dtype.itemsize:
            raise self.error(f"member {name!r} holds {dtype} values; only numbers and text are read "
                             "(never pickled objects)")
        if any(n < 0 for n in shape):
            raise self.error(f"member {name!r} announces an array of shape {tuple(shape)}: "
                             "a length below 0")
        header = ArrayHeader(tuple(shape), dtype, fortran_order)
        if offset + header.nbytes > info.file_size:
            raise self.error(f"member {name!r} announces an array of shape {header.shape} and dtype {dtype} "
                             f"({header.nbytes} bytes) but holds {info.file_size - offset} bytes of data: "
                             "it is truncated or forged")
        return header

    def read(self, name: str) -> np.ndarray:
        """The array ``name``, read after its header (already checked against the member's size).

        The member is read to its end, so that its checksum is verified: a
        flipped byte anywhere in it is a `FileFormatError`.
        """
        header = self.headers[name]
        member_name = f"{name}.npy"
        with self._reading(f"member {member_name!r} is damaged"), self._zip.open(member_name) as member:
            _HEADER_READERS[np.lib.format.read_magic(member)](member)
            data = member.read(header.nbytes)
            if len(data) != header.nbytes:
                raise self.error(f"member {member_name!r} is truncated: {len(data)} of {header.nbytes} bytes")
            if rest := len(member.read(1 << 16)):
                raise self.error(f"member {member_name!r} holds {rest} byte(s) after its array's data")
        with self._reading(f"member {member_name!r} is damaged"):
            array: np.ndarray = np.frombuffer(data, dtype=header.dtype).reshape(
                header.shape, order="F" if header.fortran_order else "C").copy()
        return array

    def close(self) -> None:
        """Close the archive and its file."""
        self._zip.close()
        self._file.close()

    def __enter__(self) -> NpzArchive:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
