"""The records of a run: the journal (one fsync'd line per finished task), the manifest, and the
provenance they carry (notebook hash, data fingerprint, git commit, package versions).

The journal is the crash-safe record; ``manifest.json`` is rewritten atomically now and then and at
the end. After a SIGKILL at any moment, the journal's complete lines plus the manifest tell what was
done.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import subprocess
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


def data_fingerprint(paths: Iterable[str | Path]) -> str | None:
    """A short hash of the input data: every file under the given paths (relative name, size and
    content hash; for a generated sample, its manifest's content hash)."""
    h = hashlib.sha256()
    found = False
    for p in sorted({Path(p).resolve() for p in paths}):
        if not p.exists():
            continue
        manifest = p / "manifest.json" if p.is_dir() else None
        if manifest is not None and manifest.exists():
            h.update(manifest.read_bytes())
            found = True
            continue
        files = sorted(f for f in (p.rglob("*") if p.is_dir() else [p]) if f.is_file())
        for f in files:
            h.update(str(f.relative_to(p if p.is_dir() else p.parent)).encode())
            h.update(str(f.stat().st_size).encode())
            h.update(file_sha256(f).encode())
            found = True
    return h.hexdigest()[:16] if found else None


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
    """Append-only record of finished tasks: one JSON line each, flushed and fsync'd."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._f = path.open("a", encoding="utf-8")

    def append(self, record: Mapping[str, Any]) -> None:
        self._f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
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


def complete(run_dir: Path, rec: Mapping[str, Any]) -> bool:
    if rec.get("status") != STATUS_OK:
        return False
    return all((run_dir / rel).exists() for rel in rec.get("outputs", {}).values())


def load_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest at ``path``, or None when it is missing or unreadable."""
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
