"""Rendering a review page: the direct renderer vs nbconvert.

    python benchmarks/bench_publish.py            # the executed golden notebooks, 20 rounds
    python benchmarks/bench_publish.py --rounds 50 --notebook path/to/executed.ipynb

Times, per page (median of ``--rounds``): (d) the direct renderer of
:func:`qualitykit.report.publish.render_report` (``_fast_body``: Markdown, sanitised HTML tables,
images, text); (n) the nbconvert fallback as configured there (``basic`` template, same Markdown
renderer and sanitiser); (s) stock nbconvert ``HTMLExporter(template_name="basic",
exclude_input=True)``. The exporters are built once, outside the timings, as the batch runner
builds them once per process. The golden notebooks carry no PNG (nbval keeps git small), so one
PNG of a typical figure size (~40 KB) is added to each, as a district brief shows two or three.

The machine is shared; the numbers are indicative only (the ratio matters, not the milliseconds).
"""

from __future__ import annotations

import argparse
import base64
import copy
import io
import statistics
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from qualitykit.report import publish  # noqa: E402


def _png_output() -> nbformat.NotebookNode:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(7, 4))
    rng = np.random.default_rng(0)
    ax.plot(np.arange(40), rng.normal(size=40).cumsum())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    data = {"image/png": base64.b64encode(buf.getvalue()).decode(), "text/plain": "<Figure>"}
    return nbformat.v4.new_output("display_data", data=data)


def _stock() -> object:
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _median_ms(func, nb, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        func(nb)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--notebook", action="append", default=[])
    args = ap.parse_args()
    paths = [Path(p) for p in args.notebook] or sorted(
        (ROOT / "tests" / "golden" / "notebooks").glob("*.ipynb")
    )
    png = _png_output()
    fallback, stock = publish._exporter(), _stock()
    renderers = {
        "direct": publish._fast_body,
        "nbconvert (fallback)": lambda nb: fallback.from_notebook_node(nb),
        "nbconvert (stock)": lambda nb: stock.from_notebook_node(nb),
    }
    print(f"{'notebook':<26}" + "".join(f"{k:>22}" for k in renderers) + "   ms per page")
    totals = dict.fromkeys(renderers, 0.0)
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        if args.notebook == []:
            nb = copy.deepcopy(nb)
            nb.cells.append(nbformat.v4.new_code_cell(outputs=[png, png]))
        for func in renderers.values():  # warm-up: templates compiled, caches filled
            func(nb)
        row = {k: _median_ms(f, nb, args.rounds) for k, f in renderers.items()}
        for k, v in row.items():
            totals[k] += v
        print(f"{path.stem:<26}" + "".join(f"{v:>22.1f}" for v in row.values()))
    d = totals["direct"]
    print(
        f"{'total':<26}" + "".join(f"{v:>22.1f}" for v in totals.values()) + "\n"
        f"nbconvert fallback / direct = {totals['nbconvert (fallback)'] / d:.1f}×, "
        f"stock nbconvert / direct = {totals['nbconvert (stock)'] / d:.1f}× "
        "(shared machine: indicative only)"
    )


if __name__ == "__main__":
    main()
