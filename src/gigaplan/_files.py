"""Write a file or folder so that readers see the old one or the whole new one.

The report, ``plan --out`` and ``sweep --out`` write through
:func:`replaced_atomically`: a failed or interrupted write leaves no
half-written result and no temporary debris.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def replaced_atomically(out: Path, *, folder: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``out`` that replaces ``out`` on success.

    Parameters
    ----------
    out : Path
        The file (or, with ``folder=True``, the folder) to write.
    folder : bool
        Yield an empty folder instead of a file path.

    Notes
    -----
    A file is renamed over ``out`` in one step (``os.replace``). A folder that
    already exists is removed just before the rename, so only that instant
    sees no folder. Permissions follow the user's umask, as for any new file.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with replaced_atomically(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
    ('done', ['a.txt'])
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.tmp"
    if folder:
        tmp.mkdir()
    try:
        yield tmp
        if folder and out.exists():
            _remove(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            _remove(tmp)
