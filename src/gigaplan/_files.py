"""Write results to files and folders without ever touching what gigaplan did not write.

Every ``--out`` (``plan``, ``report``, ``sweep``, ``runs export``,
``risk --scenarios-out``) goes through this module. The rules:

* A **file** output is written to a temporary file beside it and renamed into
  place, so readers see the old file or the whole new one. An existing target
  is replaced only when it is a regular file and either gigaplan wrote it (the
  caller says how to recognise its own files) or the user passed ``--force``.
  A symbolic link, a folder, a device or a pipe is never replaced.
* A **folder** output holds a manifest (:data:`MANIFEST`) naming the files
  gigaplan wrote there. Gigaplan writes into a new folder, an empty folder or a
  folder with its manifest; into any other folder only with ``--force``, and
  then still never over a file it did not write. Nothing outside the manifest
  is ever removed. The current folder, its ancestors and the home folder are
  refused outright, as are symbolic links.
* Every check runs before the work starts (:func:`check_file_target`,
  :func:`check_folder_target`), so a long solve never ends in a refused write.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from gigaplan.errors import InputError

#: File in an output folder listing what gigaplan wrote there.
MANIFEST = ".gigaplan-output.json"

#: Writes one output file to the path it is given.
FileWriter = Callable[[Path], object]


def _describe_os_error(err: OSError) -> str:
    if err.errno == errno.ENOSPC:
        return "no space left on the device"
    if err.errno in (errno.EROFS,):
        return "the file system is read-only"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return err.strerror or str(err)


def _kind(path: Path) -> str | None:
    """What is at ``path`` without following a link: None when nothing is."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return "a device, pipe or socket"


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (links not followed)."""
    path = Path(os.path.abspath(path))
    while _kind(path) is None and path != path.parent:
        path = path.parent
    return path


def _check_parent(out: Path, field: str) -> None:
    """The folder for ``out`` exists, or can be made, and is writable."""
    parent = _nearest_existing(Path(os.path.abspath(out)).parent)
    if not parent.is_dir():
        raise InputError(field, str(out), f"{parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(field, str(out), f"folder {parent} is not writable")


def check_file_target(
    out: Path,
    field: str,
    *,
    force: bool = False,
    ours: Callable[[Path], bool] | None = None,
) -> Path:
    """Refuse an output file path that would replace something not ours.

    Parameters
    ----------
    out : Path
        The file to write.
    field : str
        The option's name for the error (``--out``).
    force : bool
        Replace an existing regular file that gigaplan did not write.
    ours : callable, optional
        Tells whether an existing regular file is one gigaplan wrote (a report
        recognised by its marker, say); such a file is replaced without
        ``force``.

    Returns
    -------
    out : Path
        The same path, checked.

    Raises
    ------
    InputError
        The folder cannot be made or written, or the target exists and may not
        be replaced.
    """
    out = Path(out)
    _check_parent(out, field)
    kind = _kind(out)
    if kind is None:
        return out
    if kind != "a file":
        raise InputError(field, str(out), f"is {kind}; give a new file name")
    if force or (ours is not None and ours(out)):
        return out
    raise InputError(
        field,
        str(out),
        "exists and gigaplan did not write it; choose a new name or pass --force "
        "to replace it",
    )


@contextlib.contextmanager
def _os_errors_as_input(field: str, out: Path) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        raise InputError(field, str(out), _describe_os_error(err)) from err


def write_file(
    out: Path,
    write: FileWriter,
    *,
    field: str = "--out",
    force: bool = False,
    ours: Callable[[Path], bool] | None = None,
) -> Path:
    """Write one file through a temporary file beside it, then rename.

    The target is checked as in :func:`check_file_target` again just before
    the rename. A failed write (including a full disk) leaves no temporary
    file and the old target untouched.

    Missing parent folders are made (making a folder removes nothing).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = write_file(out, lambda p: p.write_text("done"))
    >>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
    ('done', ['a.txt'])
    """
    out = Path(out)
    check_file_target(out, field, force=force, ours=ours)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with _os_errors_as_input(field, out):
            out.parent.mkdir(parents=True, exist_ok=True)
            write(tmp)
            check_file_target(out, field, force=force, ours=ours)
            os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return out


def _protected_folders() -> list[Path]:
    cwd = Path.cwd().resolve()
    protected = [cwd, *cwd.parents]
    with contextlib.suppress(RuntimeError):
        protected.append(Path.home().resolve())
    return protected


def read_manifest(folder: Path) -> set[str]:
    """Names of the files gigaplan wrote into ``folder`` (empty when none)."""
    path = Path(folder) / MANIFEST
    if _kind(path) != "a file":
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        return set()
    return {f for f in files if isinstance(f, str) and "/" not in f and f != MANIFEST}


def check_folder_target(out: Path, field: str, *, force: bool = False) -> Path:
    """Refuse an output folder that gigaplan may not write into.

    Parameters
    ----------
    out, field
        The folder to write and its option's name, as for
        :func:`check_file_target`.
    force : bool
        Allow a folder that holds other files; gigaplan's files go beside them
        and none of them is touched.

    Returns
    -------
    out : Path
        The same path, checked.
    """
    out = Path(out)
    kind = _kind(out)
    if kind is None:
        _check_parent(out, field)
        return out
    if kind != "a folder":
        raise InputError(field, str(out), f"is {kind}; give a folder name")
    if out.resolve() in _protected_folders():
        raise InputError(
            field,
            str(out),
            "is the current folder, one holding it or the home folder; "
            "give a new folder name such as out/plan",
        )
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(field, str(out), "folder is not writable")
    others = {p.name for p in out.iterdir()} - read_manifest(out) - {MANIFEST}
    others = {n for n in others if not n.startswith(".gigaplan-tmp-")}
    if others and not force:
        shown = ", ".join(sorted(others)[:3]) + (", ..." if len(others) > 3 else "")
        raise InputError(
            field,
            str(out),
            f"folder holds files gigaplan did not write ({shown}); choose a new "
            "or empty folder, or pass --force to add gigaplan's files beside them",
        )
    return out


def _write_manifest(folder: Path, names: set[str]) -> None:
    text = json.dumps({"written_by": "gigaplan", "files": sorted(names)}, indent=1)
    (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")


def write_folder(
    out: Path,
    files: Mapping[str, FileWriter],
    *,
    field: str = "--out",
    force: bool = False,
) -> list[Path]:
    """Write the named files into ``out`` and list them in its manifest.

    A new folder appears whole (built beside it, then renamed). In an existing
    folder each file is written to a temporary folder inside it and renamed
    into place; gigaplan's own files from an earlier write that this one does
    not produce are removed, and nothing else is touched.

    Parameters
    ----------
    out : Path
        The folder.
    files : mapping of str to callable
        File name -> function that writes that file to the path it is given.
    field : str
        The option's name for errors.
    force : bool
        As in :func:`check_folder_target`.

    Returns
    -------
    written : list of Path
        The files written, in name order.
    """
    out = Path(out)
    names = set(files)
    bad = [n for n in names if "/" in n or n in ("", ".", "..", MANIFEST)]
    if bad:
        raise ValueError(f"not a plain file name: {bad}")
    check_folder_target(out, field, force=force)
    with _os_errors_as_input(field, out):
        if _kind(out) is None:
            return _write_new_folder(out, files, field)
        return _write_into_folder(out, files, field)


def _fill(tmp: Path, files: Mapping[str, FileWriter]) -> None:
    for name, write in files.items():
        write(tmp / name)


def _write_new_folder(
    out: Path, files: Mapping[str, FileWriter], field: str
) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".gigaplan-tmp-{out.name}.{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _fill(tmp, files)
        _write_manifest(tmp, set(files))
        try:
            os.rename(tmp, out)  # fails if something appeared at out meanwhile
        except OSError as err:
            if _kind(out) is not None:
                raise InputError(field, str(out), "appeared while writing") from err
            raise
    finally:
        _remove_own_tmp(tmp)
    return sorted(out / n for n in files)


def _write_into_folder(
    out: Path, files: Mapping[str, FileWriter], field: str
) -> list[Path]:
    before = read_manifest(out)
    for name in files:
        kind = _kind(out / name)
        if kind is not None and (kind != "a file" or name not in before):
            raise InputError(
                field,
                str(out / name),
                f"is {kind} gigaplan did not write; remove it or choose another folder",
            )
    tmp = out / f".gigaplan-tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _fill(tmp, files)
        for name in sorted(files):
            os.replace(tmp / name, out / name)
        stale = before - set(files)
        for name in stale:
            if _kind(out / name) == "a file":
                (out / name).unlink()
        _write_manifest(out, set(files))
    finally:
        _remove_own_tmp(tmp)
    return sorted(out / n for n in files)


def _remove_own_tmp(tmp: Path) -> None:
    """Remove a temporary folder this module made (regular files only inside)."""
    if _kind(tmp) != "a folder":
        return
    for child in tmp.iterdir():
        if _kind(child) == "a file":
            child.unlink()
    with contextlib.suppress(OSError):
        tmp.rmdir()
