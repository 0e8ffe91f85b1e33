"""Helpers of the runner tests: runs without a Jupyter kernel.

:func:`kernel_free` swaps two things for the duration of a test: the local executor becomes a
sequential in-process loop over the real :func:`qualitykit.run.tasks.execute_task` (staging,
review page, atomic publish — all real), and the engine's ``execute_notebook`` writes the notebook
unexecuted plus a ``summary.json`` instead of starting a kernel. What is under test — the run
folder, the lock, journal, manifest, resume, keys, index — is the real runner. The keys executed
are recorded in ``executed`` (in order), so resume tests can see what ran again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat

NB = Path(__file__).parent / "fixtures" / "notebooks" / "fault_report.ipynb"


class KernelFree:
    def __init__(self) -> None:
        self.executed: list[str] = []
        self.during: Callable[[dict[str, Any]], None] | None = None  # called before each task

    def execute_notebook(
        self, notebook: Path, output: Path, parameters: dict[str, Any], **kwargs: Any
    ) -> tuple[Any, str, str | None]:
        nb = nbformat.read(str(notebook), as_version=4)
        nb.metadata["papermill"] = {"parameters": parameters}
        nbformat.write(nb, str(output))
        tables = Path(parameters.get("output_dir", output.parent / "tables"))
        tables.mkdir(parents=True, exist_ok=True)
        summary = {"title": parameters.get("region_code", "x"), "name": str(parameters)}
        (tables / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
        if parameters.get("fault") == "raise":
            return nb, "failed", "ValueError: injected failure (cell 3)"
        return nb, "ok", None

    def executor(self, specs: list[dict[str, Any]], **_: Any) -> Iterator[dict[str, Any]]:
        from qualitykit.run.tasks import execute_task

        for spec in specs:
            if self.during is not None:
                self.during(spec)
            self.executed.append(spec["key"])
            yield execute_task(spec)


def kernel_free(monkeypatch: Any) -> KernelFree:
    from qualitykit.run import engine, executors

    fake = KernelFree()
    monkeypatch.setattr(engine, "execute_notebook", fake.execute_notebook)
    monkeypatch.setitem(executors.EXECUTORS, "local", fake.executor)
    return fake


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its content (folders: "dir")."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "link:" + str(p.readlink())
        elif p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


TIMES = ("start_time", "end_time", "duration")


def comparable_outputs(folder: Path) -> dict[str, bytes]:
    """Every output of a run folder, minus what records when it was made: papermill's
    ``start_time``/``end_time``/``duration`` (notebook and cells) in the ``.ipynb``, and the
    index page's "generated at" line; the run folder's own path is written ``<run>``. The manifest
    and journal (the run's records) are left out."""
    out = {}
    root = str(folder.resolve()).encode()
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if not p.is_file() or rel in ("manifest.json", "journal.jsonl") or ".lock" in p.name:
            continue
        data = p.read_bytes()
        if p.suffix == ".ipynb":
            nb = json.loads(data)
            for meta in [nb["metadata"]] + [c["metadata"] for c in nb["cells"]]:
                for k in TIMES:
                    meta.get("papermill", {}).pop(k, None)
            data = json.dumps(nb, sort_keys=True).encode()
        elif rel == "index.html":
            data = b"\n".join(ln for ln in data.splitlines() if b"qk-muted" not in ln)
        out[rel] = data.replace(root, b"<run>")
    return out


def correct_province(data: Path, province: str) -> list[str]:
    """A correction of one province's records (of a copy of the sample) that keeps the province's
    and the nation's totals: one failed batch (2015–2024, the briefs' years) of one district
    becomes passed, one passed batch of another district becomes failed. Returns the two
    districts."""
    import pandas as pd

    for f in sorted((data / "records" / f"province={province}").glob("*.parquet")):
        recs = pd.read_parquet(f)
        window = recs["year"].between(2015, 2024)
        i = recs.index[window & ~recs["passed"]][0]
        a = recs.loc[i, "region_code"]
        j = recs.index[window & recs["passed"] & (recs["region_code"] != a)][0]
        recs.loc[i, "passed"] = True
        recs.loc[j, "passed"] = False
        recs.to_parquet(f, index=False)
        return [str(a), str(recs.loc[j, "region_code"])]
    raise ValueError(f"no records of province {province} in {data}")
