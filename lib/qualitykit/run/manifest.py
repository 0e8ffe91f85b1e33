"""The records of a run: the journal (one line per finished task), the manifest, and the
provenance they carry (notebook hash, data fingerprint, git commit, package versions).

The journal is the crash-safe record; ``manifest.json`` is rewritten atomically now and then and at
the end. Each journal line is written through to the operating system at once, so after a SIGKILL
of the run at any moment the journal's complete lines plus the manifest tell what was done; the
lines are fsync'd in batches (at most :data:`Journal.SYNC_SECONDS` apart, and at the end), so a
crash of the whole machine loses at most the last few lines — reports that ``--resume`` then
runs again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from qualitykit.paths import project_root
from qualitykit.run.tasks import STATUS_OK

PACKAGES = (
    "qualitykit",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "papermill",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "jupyter_client",
)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_fingerprint(paths: Iterable[str | Path], partition: str | None = None) -> str | None:
    """A short hash of the input data: every file under the given paths (relative name, size and
    content hash; for a generated sample, its manifest's content hash).

    With ``partition`` (a hive partition such as ``province=330000``) only what one report reads
    of a partitioned folder is hashed — the files inside that partition and the files outside
    any partition (not the folder's ``manifest.json``, whose hashes cover every partition); a
    path without partitions is hashed whole. This is the fingerprint of a report's data slice
    (``--update``)."""
    h = hashlib.sha256()
    found = False
    for p in sorted({Path(p).resolve() for p in paths}):
        if not p.exists():
            continue
        files = sorted(f for f in (p.rglob("*") if p.is_dir() else [p]) if f.is_file())
        parts = [f for f in files if _partition_of(f, p) is not None] if p.is_dir() else []
        manifest = p / "manifest.json" if p.is_dir() else None
        if partition is not None and parts:
            files = [f for f in files if _partition_of(f, p) in (partition, None) and f != manifest]
        elif manifest is not None and manifest.exists():
            h.update(manifest.read_bytes())
            found = True
            continue
        for f in files:
            h.update(str(f.relative_to(p if p.is_dir() else p.parent)).encode())
            h.update(str(f.stat().st_size).encode())
            h.update(_file_hash(f).encode())
            found = True
    return h.hexdigest()[:16] if found else None


def _partition_of(file: Path, root: Path) -> str | None:
    """The hive partition (``name=value``) a file of a partitioned folder lies in, or None."""
    for part in file.relative_to(root).parts[:-1]:
        if "=" in part:
            return part
    return None


_HASHES: dict[tuple[str, int, int], str] = {}


def _file_hash(path: Path) -> str:
    """:func:`file_sha256`, remembered per (path, size, modification time) within a process."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = file_sha256(path)
    return _HASHES[key]


def code_fingerprint() -> str:
    """A short hash of qualitykit's code and package data (every file of the installed package
    and of its data folder but the generated sample and caches): an edited library changes it
    even where the version number stays the same (an editable install)."""
    import qualitykit
    from qualitykit.paths import data_dir

    h = hashlib.sha256()
    for root in (Path(qualitykit.__file__).resolve().parent, Path(data_dir()).resolve()):
        for f in sorted(root.rglob("*")):
            rel = f.relative_to(root)
            if (
                not f.is_file()
                or "__pycache__" in rel.parts
                or rel.parts[:2] == ("sample", "generated")
                or f.suffix in {".pyc", ".lock"}
            ):
                continue
            h.update(str(rel).encode())
            h.update(_file_hash(f).encode())
    return h.hexdigest()[:16]


def git_commit() -> str | None:
    try:
        root = project_root()
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


class Journal:
    """Append-only record of finished tasks: one JSON line each, flushed to the operating system
    at once and fsync'd at most :data:`SYNC_SECONDS` after it was written (and on close)."""

    SYNC_SECONDS = 1.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self._f = path.open("a", encoding="utf-8")
        self._synced = time.monotonic()
        self._pending = False

    def append(self, record: Mapping[str, Any]) -> None:
        self._f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._f.flush()
        self._pending = True
        if time.monotonic() - self._synced >= self.SYNC_SECONDS:
            self.sync()

    def sync(self) -> None:
        if self._pending:
            os.fsync(self._f.fileno())
            self._pending = False
        self._synced = time.monotonic()

    def close(self) -> None:
        if not self._f.closed:
            self._f.flush()
            self.sync()
            self._f.close()

    @staticmethod
    def read(path: Path) -> dict[str, dict[str, Any]]:
        """Latest record per key (a line cut short by a kill is ignored)."""
        latest: dict[str, dict[str, Any]] = {}
        if not path.exists():
            return latest
        with path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and "key" in rec:
                    latest[rec["key"]] = rec
        return latest


INPUT_CHANGES: dict[str, str] = {
    "notebook_sha256": "notebook changed",
    "data_fingerprint": "data changed",
    "parameters": "parameters changed",
}
"""The inputs recorded per task (``inputs`` of its manifest row and journal line) and what a
difference in each means to ``--resume``; a record written before a field existed counts as
changed in that field."""

UPDATE_CHANGES: dict[str, str] = {
    "notebook_sha256": "notebook changed",
    "parameters": "parameters changed",
    "data_slice": "its data changed",
    "context": "its shared context changed",
    "packages": "package versions changed",
    "code": "qualitykit's code changed",
}
"""The finer inputs ``--update`` compares: instead of the whole data's fingerprint, the
fingerprint of the slice of the data the report reads (``data_slice``: its partition of a
partitioned folder, else the whole data) and of the rows of the shared context it reads
(``context``, from the notebook's ``qualitykit.inputs_from`` hook: e.g. its province's funnel),
plus the package versions and qualitykit's own code (:func:`code_fingerprint`)."""


def task_inputs(
    notebook_sha256: str,
    parameters: Mapping[str, Any],
    data_fingerprint: str | None,
    *,
    data_slice: str | None = None,
    context: str | None = None,
    packages: Mapping[str, str] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """What one report is made from: the notebook's content hash, the task's own parameters (as
    given, before the run's shared values are added), the fingerprint of its data and — for
    ``--update`` — of its data slice and shared context, the package versions and qualitykit's
    code."""
    out: dict[str, Any] = {
        "notebook_sha256": notebook_sha256,
        "data_fingerprint": data_fingerprint,
        "parameters": dict(parameters),
    }
    extra = {"data_slice": data_slice, "context": context, "packages": packages, "code": code}
    out.update({k: (dict(v) if isinstance(v, Mapping) else v) for k, v in extra.items()
                if v is not None})  # fmt: skip
    return out


def changed_inputs(
    old: Mapping[str, Any], new: Mapping[str, Any], *, update: bool = False
) -> list[str]:
    """The reasons (:data:`INPUT_CHANGES`, with ``update`` :data:`UPDATE_CHANGES`) why ``new``
    inputs differ from ``old`` ones."""
    reasons = []
    table = UPDATE_CHANGES if update else INPUT_CHANGES
    for name, reason in table.items():
        if update and name not in new:  # an input this notebook does not record
            continue
        if _canonical(old.get(name)) != _canonical(new.get(name)) and reason not in reasons:
            reasons.append(reason)
    return reasons


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def rerun_reason(
    previous: Mapping[str, Any] | None,
    inputs: Mapping[str, Any],
    run_dir: Path,
    *,
    update: bool = False,
) -> str | None:
    """Why a task of a resumed (``update``: updated) run must run (``"new"``, ``"re-run: data
    changed"``, …), or None when its earlier report can be reused: it finished ok, from the same
    inputs (:func:`changed_inputs`), and its files are on disk."""
    if previous is None or previous.get("status") == "pending":
        return "new"
    if previous.get("status") != STATUS_OK:
        return "re-run: failed before"
    old = previous.get("inputs")
    if not isinstance(old, Mapping):
        return "re-run: inputs not recorded"
    changed = changed_inputs(old, inputs, update=update)
    if changed:
        return "re-run: " + ", ".join(changed)
    if not complete(run_dir, previous):
        return "re-run: output missing"
    return None


def complete(run_dir: Path, rec: Mapping[str, Any]) -> bool:
    """The record says ok and every output it lists is on disk."""
    if rec.get("status") != STATUS_OK:
        return False
    return all((run_dir / rel).exists() for rel in rec.get("outputs", {}).values())
