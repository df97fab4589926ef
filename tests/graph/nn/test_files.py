"""Network.save is atomic; Network.load checks everything a file claims before it allocates anything."""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graph import Network

X = np.random.default_rng(0).standard_normal((6, 2))


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Network, Path]:
    net = Network([2, 5, 3], seed=1)
    path = tmp_path / "net.npz"
    net.save(path)
    return net, path


def arrays_of(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {name: data[name] for name in data.files}


# ---------------------------------------------------------------------------- save

def test_a_failed_save_leaves_the_previous_file_whole_and_no_temporary_file(saved, monkeypatch) -> None:
    old, path = saved
    before = path.read_bytes()

    def disk_full(file: Any, **arrays: Any) -> None:
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        Network([2, 5, 3], seed=2).save(path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["net.npz"]
    np.testing.assert_array_equal(Network.load(path).forward(X), old.forward(X))


def test_an_interrupted_save_leaves_the_previous_file_whole(saved, monkeypatch) -> None:
    _, path = saved
    before = path.read_bytes()

    def interrupted(file: Any, **arrays: Any) -> None:
        file.write(b"PK")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Network([2, 5, 3], seed=2).save(path)
    assert path.read_bytes() == before and os.listdir(path.parent) == ["net.npz"]


def test_save_onto_a_directory_is_an_error_that_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(ValueError, match=r"'.*/d' is a directory, not a regular file"):
        Network([2, 3]).save(tmp_path / "d")
    assert sorted(os.listdir(tmp_path)) == ["d"] and os.listdir(tmp_path / "d") == []


def a_character_device(path: Path) -> Path:
    """A character device at ``path``: the null device's twin, made with mknod (root only)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("making a character device needs root (mknod)")
    return path


def a_socket(path: Path) -> Path:
    """A Unix socket bound at ``path`` (closed again: the socket file stays)."""
    import socket

    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
    return path


SPECIAL = {"a FIFO": lambda path: (os.mkfifo(path), path)[1], "a character device": a_character_device,
           "a socket": a_socket}


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("through", ["its own name", "a symbolic link"])
def test_save_never_replaces_a_device_a_fifo_or_a_socket(tmp_path: Path, kind: str, through: str,
                                                          monkeypatch) -> None:
    special = SPECIAL[kind](tmp_path / "special")
    before = os.stat(special)
    path = special
    if through == "a symbolic link":
        path = tmp_path / "link.npz"
        path.symlink_to(special)

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the arrays were written out before the target was checked")

    monkeypatch.setattr(np, "savez", never)  # refused before any work
    with pytest.raises(ValueError, match=rf"^{re.escape(repr(str(path)))} is {kind}.*, not a regular file "
                                         "or a new path$"):
        Network([2, 3]).save(path)
    after = os.stat(special)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)
    assert sorted(os.listdir(tmp_path)) == sorted({"special", path.name})  # no temporary file left


def test_what_appears_at_the_path_while_saving_is_left_alone(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "net.npz"
    savez = np.savez

    def a_fifo_appears(file: Any, **arrays: Any) -> None:
        savez(file, **arrays)
        os.mkfifo(path)

    monkeypatch.setattr(np, "savez", a_fifo_appears)
    with pytest.raises(ValueError, match=r"became a FIFO .* while the file was written; it was left as"):
        Network([2, 3]).save(path)
    assert stat.S_ISFIFO(os.stat(path).st_mode) and os.listdir(tmp_path) == ["net.npz"]


def test_the_temporary_file_has_a_short_name_so_the_longest_name_can_be_saved(tmp_path: Path) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    path = tmp_path / ("n" * (limit - 4) + ".npz")
    net = Network([2, 5, 3], seed=4)
    net.save(path)
    assert os.listdir(tmp_path) == [path.name]
    np.testing.assert_array_equal(Network.load(path).forward(X), net.forward(X))


def test_a_path_of_the_longest_length_the_system_takes_can_be_saved(tmp_path: Path) -> None:
    limit = os.pathconf(tmp_path, "PC_PATH_MAX") - 1  # bytes, without the terminating NUL
    directory = tmp_path
    while len(os.fsencode(directory)) < limit - 300:
        directory = directory / ("d" * 200)
    directory.mkdir(parents=True)
    path = directory / ("n" * (limit - len(os.fsencode(directory)) - 1))
    assert len(os.fsencode(path)) == limit
    Network([2, 3]).save(path)
    assert os.listdir(directory) == [path.name] and Network.load(path).sizes == (2, 3)


@pytest.mark.parametrize("what", ["file name", "directory name"])
def test_a_name_too_long_for_the_file_system_is_refused_before_any_work(tmp_path: Path, what: str,
                                                                        monkeypatch) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    long = "n" * (limit + 1)
    path = tmp_path / long if what == "file name" else tmp_path / long / "net.npz"
    monkeypatch.setattr(np, "savez", lambda *args, **kwargs: pytest.fail("written before the check"))
    with pytest.raises(ValueError, match=rf"the {what} .*is {limit + 1} bytes long; this file system takes "
                                         rf"names of at most {limit} bytes"):
        Network([2, 3]).save(path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(("path", "message"), [("", "the path is empty"),
                                               ("new/", r"'new/' ends with '/': it names a directory")])
def test_an_empty_path_or_one_that_names_a_directory_is_refused(tmp_path: Path, monkeypatch, path: str,
                                                               message: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message):
        Network([2, 3]).save(path)
    assert os.listdir(tmp_path) == []


def test_save_replaces_a_file_keeping_its_permissions_and_follows_a_link(saved) -> None:
    _, path = saved
    path.chmod(0o600)
    link = path.parent / "link.npz"
    link.symlink_to(path)
    other = Network([2, 5, 3], seed=7)
    other.save(link)
    assert link.is_symlink() and stat.S_IMODE(path.stat().st_mode) == 0o600
    np.testing.assert_array_equal(Network.load(path).forward(X), other.forward(X))


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        Network([2, 3]).save(tmp_path / "new.npz")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.npz").stat().st_mode) == 0o644


# ---------------------------------------------------------------------------- load

def _zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _forged_header(shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + b"\0" * 64


def bad_files(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    """Each bad file by name, with (a regular expression of) what the error must say."""
    arrays = arrays_of(good)
    data = good.read_bytes()

    def write(name: str, content: bytes) -> Path:
        (tmp_path / name).write_bytes(content)
        return tmp_path / name

    def npz(name: str, **replaced: Any) -> Path:
        members = {k: v for k, v in {**arrays, **replaced}.items() if v is not None}
        return _zip_of(tmp_path / name, {f"{k}.npy": v if isinstance(v, bytes) else _npy(v)
                                         for k, v in members.items()})

    return {
        "empty": (write("empty.npz", b""), "the file is empty"),
        "random bytes": (write("random.npz", np.random.default_rng(3).bytes(1000)),
                         r"not an \.npz archive \(a zip of \.npy arrays\)"),
        "text": (write("notes.npz", b"W1 = [[1, 2]]\n"), r"not an \.npz archive"),
        "a pickle": (write("pickle.npz", b"\x80\x04\x95 not today"), r"not an \.npz archive"),
        "a .npy": (write("one.npy", _npy(np.ones(3))), r"a \.npy file holding a single array"),
        "truncated at 3/4": (write("cut.npz", data[:len(data) * 3 // 4]), "damaged or truncated"),
        "truncated to 100 bytes": (write("cut100.npz", data[:100]), "damaged or truncated"),
        "a zip of other things": (_zip_of(tmp_path / "doc.npz", {"word/document.xml": b"<w/>"}),
                                  r"member 'word/document\.xml' is not an \.npy array"),
        "not a network": (npz("other.npz", sizes=None, activation=None),
                          r"not a saved Network: it lacks \['activation', 'sizes'\]"),
        "missing parameter": (npz("missing.npz", b2=None), r"parameter 'b2' is missing \(a network of sizes"),
        "extra array": (npz("extra.npz", W3=np.ones(2)), r"unexpected array\(s\) 'W3'"),
        "wrong shape": (npz("shape.npz", W1=np.ones((5, 2))),
                        r"parameter 'W1' has shape \(5, 2\), expected \(2, 5\) for sizes \[2, 5, 3\]"),
        "absurd sizes": (npz("absurd.npz", sizes=np.array([2, 20000, 20000, 3]), W3=np.ones((3, 3)),
                             b3=np.ones(3)),
                         r"parameter 'W1' has shape \(2, 5\), expected \(2, 20000\)"),
        "sizes below 1": (npz("zero.npz", sizes=np.array([2, 0, 3])), r"'sizes' must all be >= 1"),
        "sizes not integers": (npz("float.npz", sizes=np.array([2.0, 5.0, 3.0])),
                               "'sizes' must be at least two integers"),
        "unknown activation": (npz("gelu.npz", activation=np.array("gelu")), "unknown activation 'gelu'"),
        "pickled objects": (npz("objects.npz", W1=np.array([[1, 2, 3, 4, 5]] * 2, dtype=object)),
                            r"member 'W1\.npy' holds object values; .* \(never pickled objects\)"),
        "text parameters": (npz("text.npz", b1=np.array(["a"] * 5)), r"parameter 'b1' holds <U1 values"),
        "a header claiming 3.2 GB": (npz("forged.npz", W2=_forged_header((20000, 20000))),
                                     r"member 'W2\.npy' announces an array of shape \(20000, 20000\) .* "
                                     r"holds 64 bytes of data: it is truncated or forged"),
    }


BAD = ["empty", "random bytes", "text", "a pickle", "a .npy", "truncated at 3/4", "truncated to 100 bytes",
       "a zip of other things", "not a network", "missing parameter", "extra array", "wrong shape",
       "absurd sizes", "sizes below 1", "sizes not integers", "unknown activation", "pickled objects",
       "text parameters", "a header claiming 3.2 GB"]


@pytest.mark.parametrize("case", BAD)
def test_a_bad_file_is_a_value_error_naming_the_file_and_what_is_wrong(case: str, saved, tmp_path) -> None:
    _, good = saved
    (tmp_path / "bad").mkdir()
    path, message = bad_files(tmp_path / "bad", good)[case]
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            Network.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    text = str(info.value)
    assert text.startswith(f"{str(path)!r}: "), text
    assert re.search(message, text), text
    assert "pickled data" not in text and "allow_pickle" not in text
    assert peak < 1_000_000, f"{case}: {peak} bytes allocated before refusing the file"


def test_the_absurd_file_is_small(saved, tmp_path) -> None:
    _, good = saved
    (tmp_path / "bad").mkdir()
    path, _ = bad_files(tmp_path / "bad", good)["absurd sizes"]
    assert path.stat().st_size < 4096


def test_a_compressed_archive_of_the_same_arrays_loads(saved, tmp_path) -> None:
    net, good = saved
    np.savez_compressed(tmp_path / "small.npz", **arrays_of(good))
    np.testing.assert_array_equal(Network.load(tmp_path / "small.npz").forward(X), net.forward(X))


def test_a_missing_file_or_a_directory_is_an_os_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        Network.load(tmp_path / "none.npz")
    with pytest.raises(IsADirectoryError):
        Network.load(tmp_path)


# ---------------------------------------------------------------------------- load: damaged files

def _central_directory(data: bytes) -> tuple[int, int]:
    """The offsets of the end-of-central-directory record and of the central directory's first entry."""
    end = data.rfind(b"PK\x05\x06")
    return end, int.from_bytes(data[end + 16:end + 20], "little")


def _forged(data: bytes, where: str, offset: int, value: int, size: int) -> bytes:
    """``data`` with the little-endian field at ``offset`` of the first central-directory entry
    (``where="entry"``) or of the end record (``where="end"``) set to ``value``."""
    end, entry = _central_directory(data)
    start = (entry if where == "entry" else end) + offset
    return data[:start] + value.to_bytes(size, "little") + data[start + size:]


#: Each forged file, from the good one, and (a regular expression of) what the error must say.
FORGED = {
    "the encrypted flag": (lambda data: _forged(data, "entry", 8, 0x01, 2),
                           "member 'sizes.npy' is marked encrypted; a saved network never is"),
    "the strong-encryption flag": (lambda data: _forged(data, "entry", 8, 0x41, 2),
                                   "marked encrypted, strongly encrypted"),
    "the patched-data flag": (lambda data: _forged(data, "entry", 8, 0x20, 2), "compressed patched data"),
    "zip version 13.1": (lambda data: _forged(data, "entry", 6, 131, 2),
                         "a damaged or truncated .npz archive: NotImplementedError: zip file version 13.1"),
    "a central directory past the end": (lambda data: _forged(data, "end", 16, 0x7FFFFFFF, 4),
                                         r"points outside the file \(Invalid argument\)"),
    "a central directory before the start": (lambda data: _forged(data, "end", 16, 0xFFFFFF00, 4),
                                             "points outside the file"),
    "a central directory of 4 GB": (lambda data: _forged(data, "end", 12, 0xFFFFFFF0, 4),
                                    "Bad offset for central directory"),
    "a member past the end": (lambda data: _forged(data, "entry", 42, 0x7FFFFFFF, 4),
                              "claims 152 bytes that the file cannot hold"),
    "a bzip2 member": (lambda data: _forged(data, "entry", 10, zipfile.ZIP_BZIP2, 2),
                       "compressed by method 12; only stored and deflated members are read"),
    "an unknown compression": (lambda data: _forged(data, "entry", 10, 99, 2), "compressed by method 99"),
    "a wrong checksum": (lambda data: _forged(data, "entry", 16, 0x12345678, 4), "Bad CRC-32"),
}


@pytest.mark.parametrize("case", FORGED)
def test_a_forged_zip_is_a_value_error_naming_the_file(case: str, saved, tmp_path) -> None:
    _, good = saved
    forge, message = FORGED[case]
    path = tmp_path / "forged.npz"
    path.write_bytes(forge(good.read_bytes()))
    with pytest.raises(ValueError, match=rf"^{re.escape(repr(str(path)))}: .*{message}"):
        Network.load(path)


def _load_or_refuse(path: Path, net: Network) -> str:
    """Load ``path``: "same" when it gives ``net`` back exactly, "refused" for a `ValueError` naming the
    file; anything else (another exception, another network) is said in the returned text."""
    try:
        loaded = Network.load(path)
    except ValueError as exc:
        return "refused" if str(exc).startswith(f"{str(path)!r}: ") else f"a ValueError not naming it: {exc}"
    except Exception as exc:  # the contract broken: say how, with the case
        return f"{type(exc).__name__}: {exc}"
    if (loaded.sizes, loaded.activation) != (net.sizes, net.activation):
        return f"another network: {loaded!r}"
    for name, param in net.parameters.items():
        value = loaded.parameters[name].value
        if value.dtype != param.value.dtype or not np.array_equal(value, param.value):
            return f"another value of {name}"
    return "same"


@pytest.mark.parametrize("seed", range(8))
def test_a_file_with_random_bytes_flipped_loads_the_same_network_or_is_a_value_error(saved, tmp_path,
                                                                                     seed: int) -> None:
    net, good = saved
    data = good.read_bytes()
    rng = np.random.default_rng(seed)
    path = tmp_path / "flipped.npz"
    outcomes: dict[str, list[str]] = {}
    for _ in range(100):
        damaged = bytearray(data)
        flips = []
        for _ in range(int(rng.integers(1, 4))):  # one to three bytes, each XORed with a non-zero byte
            position, mask = int(rng.integers(len(data))), int(rng.integers(1, 256))
            damaged[position] ^= mask
            flips.append(f"byte {position} ^ {mask:#04x}")
        path.write_bytes(damaged)
        outcomes.setdefault(_load_or_refuse(path, net), []).append(", ".join(flips))
    broken = {outcome: cases for outcome, cases in outcomes.items() if outcome not in ("same", "refused")}
    assert not broken, broken
    assert outcomes.get("refused"), "no flip was caught: the fuzzing misses the file"


def test_a_file_cut_short_anywhere_is_a_value_error(saved, tmp_path) -> None:
    net, good = saved
    data = good.read_bytes()
    path = tmp_path / "cut.npz"
    outcomes: dict[str, list[int]] = {}
    for length in range(len(data)):  # every length, the random ones included
        path.write_bytes(data[:length])
        outcomes.setdefault(_load_or_refuse(path, net), []).append(length)
    assert list(outcomes) == ["refused"], {outcome: lengths[:10] for outcome, lengths in outcomes.items()}


@pytest.mark.parametrize("hidden", [5, 1000])  # W2 read whole with its header, or 24 kB read after it
def test_every_member_is_checked_against_its_checksum(tmp_path, hidden: int) -> None:
    """A flipped byte in an array's data changes no size or header: only the checksum catches it."""
    net, path = Network([2, hidden, 3], seed=1), tmp_path / "net.npz"
    net.save(path)
    data = bytearray(path.read_bytes())
    W2 = net.parameters["W2"].value.tobytes()
    data[data.index(W2) + len(W2) - 3] ^= 0x10  # near the end of the data
    path.write_bytes(data)
    with pytest.raises(ValueError, match=r"member 'W2\.npy' .*: Bad CRC-32"):
        Network.load(path)
