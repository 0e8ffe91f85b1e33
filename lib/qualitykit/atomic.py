"""Atomic writes: a reader — or a run killed at any moment — never sees a half-written file.

Every output of qualitykit goes through these helpers: the content is written to a temporary file
in the same folder, flushed and fsync'd, then moved over the target with :func:`os.replace`, which
is atomic on POSIX and Windows. Folders are published the same way (:func:`publish_dir`).

Modes: a temporary file from :func:`tempfile.mkstemp` is private (0600) and a folder from
:func:`tempfile.mkdtemp` 0700; published, they get what ``open()`` and ``mkdir()`` would have given
under the process's umask (0644 and 0755 under the usual 022), so that a web server running as
another user can serve a review site. The umask is read once, at import (:data:`FILE_MODE`,
:data:`DIR_MODE`); on Windows, ``os.chmod`` only sets the read-only flag, which these modes clear.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TMP_SUFFIX = ".qk-tmp"


def _read_umask() -> int:
    """The process's umask, without changing it where the system says it (Linux), else by
    setting and restoring it (once, at import)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()
FILE_MODE = 0o666 & ~UMASK
"""Mode of published files: what ``open(path, "w")`` gives (0644 under umask 022)."""
DIR_MODE = 0o777 & ~UMASK
"""Mode of published folders: what ``mkdir`` gives (0755 under umask 022)."""


@contextlib.contextmanager
def atomic_open(
    path: str | Path, mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; on success it replaces ``path``.

    On an exception the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    binary = "b" in mode
    try:
        os.chmod(tmp, FILE_MODE)
        with os.fdopen(
            fd, mode, encoding=None if binary else encoding, newline=None if binary else ""
        ) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str) -> Path:
    with atomic_open(path, "w") as f:
        f.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_open(path, "wb", encoding=None) as f:
        f.write(data)
    return Path(path)


def write_json(path: str | Path, obj: Any) -> Path:
    return write_text(
        path, json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n"
    )


def write_csv(path: str | Path, df: Any, **kwargs: Any) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically (index off unless asked)."""
    kwargs.setdefault("index", False)
    with atomic_open(path, "w") as f:
        df.to_csv(f, **kwargs)
    return Path(path)


def publish_dir(staging: str | Path, final: str | Path) -> Path:
    """Move the complete folder ``staging`` to ``final``, replacing an older ``final``.

    The new folder appears in one rename; an older one is first renamed aside, then deleted, so
    ``final`` is always either the old complete folder, absent for an instant, or the new one. The
    folder gets the ordinary mode (:data:`DIR_MODE`: a :func:`tempfile.mkdtemp` folder is 0700)."""
    staging, final = Path(staging), Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(staging, DIR_MODE)
    trash = None
    if final.exists():
        trash = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")
        os.replace(final, trash)
    os.replace(staging, final)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
    return final


def remove_leftovers(folder: str | Path) -> int:
    """Delete temporary files and folders left by a killed writer under ``folder``; return how
    many. Links are removed, never followed (nor are linked folders searched)."""
    n = 0
    for p in sorted(Path(folder).rglob(f"*{TMP_SUFFIX}"), key=lambda q: len(q.parts), reverse=True):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        n += 1
    return n
