"""Model files: JSON with the model's shape and every parameter, checked before use.

The file looks like this (parameters in `parameters()` order; Python writes each float with
the shortest digits that read back as exactly the same float):

    {"format": "stepgrad-model", "version": 1,
     "model": {"type": "MLP", "nin": 2, "nouts": [4, 1], ...},
     "parameters": {"L1.n1.w1": 0.6888437030500962, ...}}

Reading never changes anything until the whole file has been checked, and anything that is
not such a file (binary data, another encoding, JSON nested or numbers written absurdly long,
another schema) is a `ModelFileError`. Writing goes to a new temporary file with a random name
in the same folder, renamed over the target once complete. A path that cannot be used (a
folder, a missing folder, an empty name) is an error naming the path as the learner gave it.
"""

from __future__ import annotations

import codecs
import errno
import json
import math
import os
import stat
from collections.abc import Mapping
from numbers import Real
from typing import Any

FORMAT = "stepgrad-model"
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be loaded: its message names the file and the problem."""


class FormatProblem(Exception):
    """What is wrong with a state or a file, in plain words (turned into a clearer error)."""


def _short(x: object, limit: int = 80) -> str:
    """repr(x) cut to `limit` characters (a file may hold anything, at any length)."""
    try:
        text = repr(x)
    except (RecursionError, ValueError):  # far too deep, or an int too long to print
        return f"a {type(x).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _name(key: object) -> str:
    """A parameter name for a message: as it is if short and printable, else its short repr."""
    if isinstance(key, str) and key.isprintable() and len(key) <= 80:
        return key
    return _short(key)


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(_name(n) for n in names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def check_parameters(state: Any, names: list[str]) -> list[float]:
    """The values of `state` for `names`, in that order, or a FormatProblem saying why not."""
    if not isinstance(state, Mapping):
        raise FormatProblem(
            f"the parameters must be a mapping from name to number, got {type(state).__name__}"
        )
    missing = [n for n in names if n not in state]
    if missing:
        raise FormatProblem(f"missing parameters: {_listing(missing)}")
    expected = set(names)
    unexpected = [k for k in state if k not in expected]
    if unexpected:
        raise FormatProblem(f"unexpected parameters: {_listing(unexpected)}")
    values = []
    for name in names:
        v = state[name]
        if isinstance(v, bool) or not isinstance(v, Real):
            raise FormatProblem(
                f"parameter {name!r} is {type(v).__name__} {_short(v)}, expected a number"
            )
        try:
            v = float(v)
        except OverflowError:
            raise FormatProblem(
                f"parameter {name!r} is a number too large for a float"
            ) from None
        if not math.isfinite(v):
            raise FormatProblem(f"parameter {name!r} is {v}; parameters must be finite numbers")
        values.append(v)
    return values


def describe_text(desc: Any) -> str:
    """A model description (from `Module.describe()`) in one line."""
    if not isinstance(desc, Mapping):
        return _short(desc, 200)
    kind = desc.get("type", "model")
    fields = ", ".join(f"{_name(k)}={_short(v)}" for k, v in desc.items() if k != "type")
    text = f"{_name(kind)}({fields})"
    return text if len(text) <= 300 else text[:297] + "..."


def check_path(owner: str, path: object) -> None:
    """A file name (str or os.PathLike), or a TypeError: not a file descriptor, not a file."""
    if isinstance(path, (str, os.PathLike)):
        return
    if isinstance(path, int) and not isinstance(path, bool):
        hint = "; a file descriptor (an int) is not accepted"
    elif hasattr(path, "read") or hasattr(path, "write"):
        hint = "; pass the file's name, not an open file"
    else:
        hint = ""
    raise TypeError(
        f"{owner}: path must be a file name (a str or a pathlib.Path), got "
        f"{type(path).__name__} {_short(path)}{hint}"
    )


def check_name(owner: str, path: str | os.PathLike[str]) -> str:
    """The file name as a str for the messages. A path object that gives bytes is a
    TypeError, as bytes are; an empty name is a ValueError (it would name the current
    folder, or a hidden file next to it)."""
    target = os.fspath(path)
    if not isinstance(target, str):
        raise TypeError(
            f"{owner}: path must be a file name (a str or a pathlib.Path), got "
            f"{type(path).__name__} {_short(path)}, which gives bytes {_short(target)}"
        )
    if not target:
        raise ValueError(f"{owner}: the file name is empty; give one, such as 'model.json'")
    return target


def _quoted(target: str) -> str:
    """The path in quotes as the learner typed it (no doubled backslashes on Windows)."""
    return f"'{target}'" if target.isprintable() else repr(target)


def _example(target: str) -> str:
    return _quoted(os.path.join(target, "model.json"))


def _folder_error(owner: str, target: str, saving: bool) -> IsADirectoryError:
    what = "so the model cannot be saved under that name" if saving else "not a model file"
    return path_error(IsADirectoryError, errno.EISDIR,
                      f"{owner}: {_quoted(target)} is a folder, {what}; give a file name, such "
                      f"as {_example(target)}")


def path_error(kind: type[OSError], code: int | None, message: str) -> OSError:
    """An OSError of the usual class (FileNotFoundError, ...) and errno whose text is only
    `message`: Python would print "[Errno 2] No such file or directory: ..." for one with a
    file name, so the path is named in the message instead."""
    error = kind(message)
    error.errno = code
    return error


def os_error(owner: str, error: OSError, target: str, saving: bool) -> OSError:
    """`error` from reading or writing `target`, said in plain words with the learner's path
    (never a temporary file's name or a file descriptor)."""
    if os.path.isdir(target):  # Linux says EISDIR, Windows "permission denied"
        return _folder_error(owner, target, saving)
    shown = _quoted(target)
    act = f"cannot save to {shown}" if saving else f"cannot load {shown}"
    code = error.errno
    tilde = target.startswith("~")
    hint = " (Python does not expand ~: use os.path.expanduser)" if tilde else ""
    if code == errno.ENOENT and saving:
        folder = _quoted(os.path.dirname(os.path.abspath(target)))
        text = f"the folder {folder} does not exist (create it first){hint}"
    elif code == errno.ENOENT:
        where = "" if os.path.isabs(target) else f" (looked in the folder {_quoted(os.getcwd())})"
        return path_error(type(error), code, f"{owner}: there is no file {shown}{where}{hint}")
    elif code == errno.ENOTDIR:
        text = f"part of this path is a file, not a folder{hint}"
    elif code in (errno.EACCES, errno.EPERM):
        text = ("no permission to write there" if saving else "no permission to read it")
    else:
        text = error.strerror or str(error)
    return path_error(type(error), code, f"{owner}: {act}: {text}")


def write_model_file(
    path: str | os.PathLike[str],
    description: dict[str, Any],
    state: dict[str, float],
    owner: str = "save",
) -> None:
    """Write the file safely: to a new temporary file in the same folder, then rename it.

    The temporary file has an unpredictable name and is created exclusively (it can never be
    a file or link someone planted there), so a crash never leaves half a file and a failure
    leaves no temporary file behind. A symbolic link is written through (the file it points
    to is replaced, next to which the temporary file is made), as torch.save does; a path that
    is not a regular file (a pipe, a device, a socket) is refused (`save_destination`).
    """
    check_path(owner, path)
    target = check_name(owner, path)
    for name, value in state.items():
        if value - value != 0.0:
            raise ValueError(
                f"{owner}: parameter {name!r} is {value}; only finite numbers can be saved"
            )
    if os.path.isdir(target):
        raise _folder_error(owner, target, saving=True)
    if target.endswith(("/", os.sep)):  # "new/": a folder that is not there
        raise path_error(IsADirectoryError, errno.EISDIR,
                         f"{owner}: {_quoted(target)} ends with a slash, so it names a folder; "
                         f"give a file name, such as {_example(target)}")
    destination = save_destination(owner, target)
    document = {"format": FORMAT, "version": VERSION, "model": description, "parameters": state}
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    folder, base = os.path.split(os.path.abspath(destination))
    import tempfile  # here, so that importing stepgrad.nn stays fast

    try:  # O_CREAT | O_EXCL (and O_NOFOLLOW), a random name, mode 0600
        fd, tmp = tempfile.mkstemp(prefix=f".{base[:80]}.", suffix=".tmp",
                                   dir=folder)
    except OSError as error:  # name the file the learner asked for, not the temporary one
        raise os_error(owner, error, target, saving=True) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(destination))
        os.replace(tmp, destination)
    except BaseException as error:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise os_error(owner, error, target, saving=True) from None
        raise


_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def save_destination(owner: str, target: str) -> str:
    """The file a save to `target` replaces: `target` itself, or, for a symbolic link, the
    file the link points to (so the link stays a link, as with torch.save).

    Anything there that is not a regular file (a named pipe, a device such as /dev/null, a
    socket) is refused with an OSError naming the path, and nothing is touched: replacing it
    would destroy it (as root, even /dev/null). A chain of links that never ends is refused too.
    """
    destination = os.path.realpath(target) if os.path.islink(target) else target
    try:
        mode = os.stat(destination).st_mode
    except FileNotFoundError:
        mode = None  # a new file (or a link to a file not made yet): fine
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise path_error(OSError, errno.ELOOP,
                             f"{owner}: cannot save to {_quoted(target)}: it is a symbolic "
                             "link that leads round in a circle; nothing was written") from None
        raise os_error(owner, error, target, saving=True) from None
    if mode is None or stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # (a folder: named later)
        if mode is None and destination != target and not os.path.isdir(
                os.path.dirname(os.path.abspath(destination))):
            raise path_error(FileNotFoundError, errno.ENOENT,
                             f"{owner}: cannot save to {_quoted(target)}: it is a link to "
                             f"{_quoted(destination)}, whose folder does not exist")
        return destination
    what = next((name for test, name in _SPECIAL_FILES if test(mode)), "a special file")
    link = f" (a link to {_quoted(destination)})" if destination != target else ""
    raise path_error(OSError, None,
                     f"{owner}: cannot save to {_quoted(target)}{link}: it is {what}, not a "
                     "regular file, so it was left as it is and nothing was written; give "
                     "the name of a model file, such as 'model.json'")


def _file_mode(target: str) -> int:
    """The permissions for the saved file: the old file's, else what open() would give."""
    try:
        info = os.stat(target)
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would change it for every thread)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_model_file(
    path: str | os.PathLike[str],
    description: dict[str, Any],
    names: list[str],
    owner: str = "load",
) -> list[float]:
    """The parameter values stored in `path` for a model described by `description`.

    Any file that is not a saved model of this shape raises ModelFileError (never another
    error from deep inside); a missing or unreadable file, or a folder, raises the usual
    OSError class (FileNotFoundError, IsADirectoryError, ...) whose message names `path`.
    """
    check_path(owner, path)
    shown = check_name(owner, path)
    try:
        try:
            data = _read_bytes(path)
        except OSError as error:
            raise os_error(owner, error, shown, saving=False) from None
        return _parse(_decode(data), description, names)
    except FormatProblem as problem:
        raise ModelFileError(f"{owner}: cannot load {_quoted(shown)}: {problem}") from None


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The whole file; a folder, pipe or device (which could block for ever) is refused
    unread, checked on the open file before Python wraps it (which would refuse a folder
    naming the file descriptor)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        raise FormatProblem("it is not a regular file (a device, a pipe or a socket)")
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _decode(data: bytes) -> str:
    """The text of a model file: UTF-8 (with or without a byte order mark), nothing else."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormatProblem("the file is UTF-16 text; a saved model is UTF-8 JSON")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatProblem(
            f"not UTF-8 text (byte 0x{data[e.start]:02x} at position {e.start}); a saved "
            "model is UTF-8 JSON. Is this a binary file, or text saved in another encoding?"
        ) from None


_MAX_DIGITS = 40  # no int in a model file is that long: nin, sizes, the version


def _parse_int(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise FormatProblem(f"it holds a whole number with {len(text.lstrip('-'))} digits")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > 1000:  # Python writes any float in at most 24 characters
        raise FormatProblem(f"it holds a number written with {len(text)} characters")
    return float(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise FormatProblem(f"the key {_short(key)} appears twice in one object")
        out[key] = value
    return out


def _parse(text: str, description: dict[str, Any], names: list[str]) -> list[float]:
    if not text.strip():
        raise FormatProblem("the file is empty")
    try:
        document = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                              object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise FormatProblem(
            f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
            "the file may be truncated or not a saved model"
        ) from None
    except RecursionError:
        raise FormatProblem("not a saved model: its JSON is nested far too deeply") from None
    try:
        return _check_document(document, description, names)
    except RecursionError:
        raise FormatProblem("not a saved model: its JSON is nested far too deeply") from None


def _check_document(document: Any, description: dict[str, Any], names: list[str]) -> list[float]:
    if not isinstance(document, dict):
        raise FormatProblem(f"expected a JSON object, got a {type(document).__name__}")
    if document.get("format") != FORMAT:
        raise FormatProblem(f"not a stepgrad model file (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise FormatProblem(
            f"file format version {_short(version)} is not supported "
            f"(this stepgrad reads version {VERSION})"
        )
    for key in ("model", "parameters"):
        if key not in document:
            raise FormatProblem(f"the key {key!r} is missing")
    stored = document["model"]
    if stored != description:
        raise FormatProblem(
            f"it holds {describe_text(stored)}, but this model is {describe_text(description)}"
        )
    return check_parameters(document["parameters"], names)
