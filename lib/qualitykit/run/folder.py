"""The run folder on disk: what makes a folder a run folder, what the runner may touch in it, one
run at a time, and file-system failures as messages.

* **Recognisable** — a run folder's ``manifest.json`` says ``"qualitykit_run": 1`` and names the
  notebook; it is written when the run starts, before anything else.
* **Only its own files** — the runner creates ``manifest.json``, ``journal.jsonl``, ``index.html``,
  ``index.xlsx`` (``--export xlsx``), ``assets/``, ``shared/``, ``.staging/``, the lock files and
  ``<notebook>/<key>/`` per task (plus ``*.qk-tmp`` leftovers of a killed writer).
  ``--overwrite``, ``--resume`` and ``demo`` touch a folder only if it is a run folder holding
  nothing else (report folders are checked against the keys the manifest and journal list;
  symbolic links are never the runner's); anything else — a
  non-empty folder that is not a run folder, a file, foreign files — is refused with one line
  saying what is there and what to do. Overwrite removes only those entries, never following a
  link, never outside the folder.
* **One run at a time** — an exclusive lock (:mod:`filelock`, portable) on ``.qualitykit.lock``;
  the holder's PID and start time are written next to it (``.qualitykit.lock.json``) so that a
  second process can say who holds it.
* **File-system failures** (:func:`file_system_error`) — a full disk, a read-only folder, a name
  over 255 bytes become one line naming the file, with their own exit codes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualitykit.atomic import TMP_SUFFIX, write_json
from qualitykit.errors import QualityKitError
from qualitykit.report.exports import RUN_WORKBOOK

RUN_MARK = "qualitykit_run"
RUN_FORMAT = 1
MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
INDEX = "index.html"
STAGING = ".staging"
LOCK = ".qualitykit.lock"
LOCK_HOLDER = ".qualitykit.lock.json"
OWN_FILES = frozenset({MANIFEST, JOURNAL, INDEX, RUN_WORKBOOK, LOCK, LOCK_HOLDER})
OWN_FOLDERS = frozenset({"assets", "shared", STAGING})
NAME_MAX = 255  # bytes of one file name on common file systems (ext4, NTFS in UTF-16 units, APFS)

# exit codes of the failures below (the CLI returns them; 1 is a problem with the input)
EXIT_IN_USE = 2
EXIT_REFUSED = 3
EXIT_CANNOT_WRITE = 4
EXIT_DISK_FULL = 5


class RunFolderError(QualityKitError):
    """``--out`` is not a folder the runner may use (a file, a folder that is not a run folder, a
    run folder holding foreign files, a run of another notebook)."""

    exit_code = EXIT_REFUSED


class RunFolderInUse(QualityKitError):
    """Another process holds the run folder's lock."""

    exit_code = EXIT_IN_USE


class FileSystemError(QualityKitError):
    """A file could not be written: permission denied, read-only file system, name too long."""

    exit_code = EXIT_CANNOT_WRITE


class DiskFullError(FileSystemError):
    """No space left on the device; the run can be resumed once there is."""

    exit_code = EXIT_DISK_FULL


# --------------------------------------------------------------------------------------------
# what is in a folder
# --------------------------------------------------------------------------------------------


@dataclass
class FolderState:
    """What ``path`` is: ``missing``, ``file``, ``empty`` (nothing but lock files), ``run`` or
    ``other`` (a non-empty folder that is not a run folder); for a run folder its manifest, the
    keys it knows and the entries the runner did not create (``foreign``)."""

    path: Path
    kind: str
    manifest: dict[str, Any] | None = None
    keys: set[str] = field(default_factory=set)
    foreign: list[str] = field(default_factory=list)

    @property
    def notebook(self) -> str | None:
        return (self.manifest or {}).get("notebook")


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest at ``path`` if it is a run manifest (marked), else None."""
    try:
        with path.open(encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError, RecursionError):
        return None
    if isinstance(doc, dict) and doc.get(RUN_MARK) == RUN_FORMAT:
        return doc
    if _legacy(doc):
        return {**doc, "notebook": doc["run"]["notebook"]}
    return None


def _legacy(doc: Any) -> bool:
    """A manifest written by qualitykit before runs were marked (its provenance block names the
    notebook's hash and qualitykit's version): still a run folder, checked for foreign files like
    any other."""
    run = doc.get("run") if isinstance(doc, dict) else None
    return (
        isinstance(run, dict)
        and isinstance(run.get("notebook"), str)
        and isinstance(run.get("notebook_sha256"), str)
        and "qualitykit" in (run.get("packages") or {})
        and isinstance(doc.get("tasks"), list)
    )


def journal_keys(path: Path) -> set[str]:
    """The task keys of the complete lines of a journal."""
    keys: set[str] = set()
    with contextlib.suppress(OSError):
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                with contextlib.suppress(ValueError):
                    rec = json.loads(line)
                    if isinstance(rec, dict) and isinstance(rec.get("key"), str):
                        keys.add(rec["key"])
    return keys


def inspect(path: str | Path) -> FolderState:
    """Look at ``path`` without changing anything."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        return FolderState(path, "file")  # a dangling link: not something to create a run in
    if not path.exists():
        return FolderState(path, "missing")
    if not path.is_dir():
        return FolderState(path, "file")
    entries = sorted(p.name for p in path.iterdir())
    if not [e for e in entries if e not in {LOCK, LOCK_HOLDER}]:
        return FolderState(path, "empty")
    manifest = read_manifest(path / MANIFEST)
    if manifest is None or (path / MANIFEST).is_symlink():
        return FolderState(path, "other")
    state = FolderState(path, "run", manifest)
    state.keys = {t["key"] for t in manifest.get("tasks", []) if isinstance(t, dict) and "key" in t}
    state.keys |= journal_keys(path / JOURNAL)
    state.foreign = _foreign(path, Path(str(manifest.get("notebook", ""))).stem, state.keys)
    return state


def _leftover(name: str) -> bool:
    return name.endswith(TMP_SUFFIX)


def _foreign(path: Path, stem: str, keys: set[str]) -> list[str]:
    """Entries of the run folder ``path`` that the runner did not create (relative names)."""
    foreign = []
    for p in sorted(path.iterdir()):
        name = p.name
        if p.is_symlink():
            foreign.append(name)
        elif name in OWN_FILES or _leftover(name):
            if p.is_dir() and name in OWN_FILES:
                foreign.append(name)
        elif name in OWN_FOLDERS:
            if not p.is_dir():
                foreign.append(name)
        elif name == stem and stem and p.is_dir():
            for q in sorted(p.iterdir()):
                if q.is_symlink() or not ((q.is_dir() and q.name in keys) or _leftover(q.name)):
                    foreign.append(f"{name}/{q.name}")
        else:
            foreign.append(name)
    return foreign


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_usable(
    path: Path, notebook: Path, *, resume: bool, overwrite: bool, state: FolderState | None = None
) -> FolderState:
    """Raise :class:`RunFolderError` unless the runner may use ``path`` with these flags: a missing
    or empty folder always; a run folder of this notebook with ``resume`` or ``overwrite``; a run
    folder of another notebook only with ``overwrite``; nothing else, ever."""
    state = state or inspect(path)
    if state.kind == "file":
        raise RunFolderError(
            f"{path} is a file, not a folder: give another --out (a new or empty folder)"
        )
    if state.kind == "other":
        raise RunFolderError(
            f"{path} is not a qualitykit run folder and is not empty "
            f"({_listing(sorted(p.name for p in path.iterdir()))}): nothing was changed; "
            "give another --out (a new or empty folder)"
        )
    if state.kind != "run":
        return state
    if state.foreign:
        raise RunFolderError(
            f"{path} is a run folder but holds files the runner did not create "
            f"({_listing(state.foreign)}): nothing was changed; move them away or give another --out"
        )
    same_notebook = Path(state.notebook or "").stem == notebook.stem
    if resume and not same_notebook:
        raise RunFolderError(
            f"{path} holds a run of another notebook ({state.notebook}): "
            "use --overwrite to replace it, or another --out"
        )
    if not (resume or overwrite):
        raise RunFolderError(
            f"{path} already holds a run: use --resume to continue it, --overwrite to replace it, "
            "or another --out"
        )
    return state


def clear_run(state: FolderState) -> None:
    """Remove what the runner created in the run folder ``state.path`` (checked to hold nothing
    else), keeping the lock files: report folders of known keys, the shared, staging and asset
    folders, index, manifest, journal and leftovers. Links are never followed."""
    path = state.path
    stem = Path(state.notebook or "").stem
    if stem and (path / stem).is_dir() and not (path / stem).is_symlink():
        for q in (path / stem).iterdir():
            if q.name in state.keys or _leftover(q.name):
                _remove(q)
        with contextlib.suppress(OSError):
            (path / stem).rmdir()
    for name in sorted(OWN_FOLDERS | (OWN_FILES - {LOCK, LOCK_HOLDER})):
        _remove(path / name)
    for p in path.iterdir():
        if _leftover(p.name):
            _remove(p)


def _remove(p: Path) -> None:
    if p.is_symlink() or p.is_file():
        p.unlink()
    elif p.is_dir():
        shutil.rmtree(p)


# --------------------------------------------------------------------------------------------
# the lock
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def locked(path: Path, command: str | None = None) -> Iterator[None]:
    """Hold the run folder's exclusive lock (the folder must exist); raise
    :class:`RunFolderInUse` at once, naming the holder, when another process has it."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(path / LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RunFolderInUse(f"run folder {path} is in use by {_holder(path)}") from None
    try:
        write_json(
            path / LOCK_HOLDER,
            {
                "pid": os.getpid(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                "host": platform.node(),
                "command": command,
            },
        )
        yield
    finally:
        with contextlib.suppress(OSError):
            (path / LOCK_HOLDER).unlink()
        lock.release()


def _holder(path: Path) -> str:
    try:
        info = json.loads((path / LOCK_HOLDER).read_text(encoding="utf-8"))
        return f"PID {info['pid']} (started {info['started']}); wait for it to finish or stop it"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (it has just started); wait for it to finish or stop it"


# --------------------------------------------------------------------------------------------
# file-system failures as messages
# --------------------------------------------------------------------------------------------


def file_system_error(
    exc: OSError, what: str | None = None, action: str = "write"
) -> QualityKitError:
    """One line for a failed file operation, naming the file: a full disk (the run can be resumed),
    a read-only file system, permission denied, a name over 255 bytes, a file where a folder is
    expected; anything else with the system's own words."""
    name = exc.filename if exc.filename is not None else what or "a file"
    name = os.fsdecode(name) if isinstance(name, bytes) else str(name)
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return DiskFullError(
            f"no space left on device while writing {name}; free some space and continue with "
            "--resume (finished reports are kept)"
        )
    if code == errno.ENAMETOOLONG or _too_long(name):
        longest = max(_components(name), key=lambda c: len(c.encode("utf-8", "replace")))
        n = len(longest.encode("utf-8", "replace"))
        return FileSystemError(
            f"file name too long: {longest[:40]}… ({n} bytes in UTF-8; at most {NAME_MAX} bytes)"
        )
    if code == errno.EROFS:
        return FileSystemError(f"cannot {action} {name}: read-only file system")
    if code in {errno.EACCES, errno.EPERM}:
        return FileSystemError(f"cannot {action} {name}: permission denied")
    if code in {errno.ENOTDIR, errno.EEXIST}:
        return RunFolderError(f"{name}: a file is in the way where a folder is needed")
    return FileSystemError(f"cannot use {name}: {exc.strerror or exc}")


def _components(name: str) -> list[str]:
    return [c for c in Path(name).parts if c] or [name]


def _too_long(name: str) -> bool:
    return any(len(c.encode("utf-8", "replace")) > NAME_MAX for c in _components(name))


def check_name_lengths(paths: Iterable[str | Path]) -> None:
    """Raise :class:`FileSystemError` for a path with a component over 255 bytes (before anything
    is created: some systems would only fail half-way)."""
    for p in paths:
        if _too_long(str(p)):
            raise file_system_error(OSError(errno.ENAMETOOLONG, "File name too long", str(p)))
