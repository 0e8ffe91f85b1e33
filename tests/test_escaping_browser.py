"""No data value runs as script on a review page: payloads in every text field, in real Chromium.

A copy of the tiny synthetic sample is turned into "user data" (no sample manifest) whose text
fields carry script payloads:

* nonconforming-item names (five of the district's most frequent items: an ``<img onerror>``, a
  ``<script>`` element, a ``</textarea><svg onload>`` break-out, a Markdown link to
  ``javascript:`` and Markdown emphasis/table syntax);
* the product name of every record of the district (and the ``product`` parameter of 02 that
  selects it, shown in the report's scope line);
* enterprise ids (records) and the enterprises table (no page shows them today: the runs must
  simply still work with them);
* the data folder's own name (``data_source``), and a ``data_source`` that does not exist, whose
  error message echoes the path;
* region names — the district, its city and its province — patched into the region table inside
  every kernel (an IPython startup file, ``IPYTHONDIR``) and in the test process (where the batch
  runner's prepare hook builds the province context): they reach the page title, headings, the
  narrative, table cells, the figure alt text and the index;
* a bad ``region_code`` and a bad ``lang``, whose error messages echo the value.

``05_district_report`` and ``02_pareto_causes`` run through papermill (each executed notebook is
rendered by the direct renderer *and* by the nbconvert fallback) and through
:func:`qualitykit.run.run_batch` (warm kernels, pages rendered by ``render_report``, the
index by ``write_index``). Every page is opened from the file system in headless Chromium, which
must show: no dialog, ``window.__xss`` unset, no console error or failed request (an escaped
``<img src=x>`` requests nothing), and the payload text literally in the page text (or in the
``<title>`` / an ``alt`` attribute).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qualitykit import run as batch
from qualitykit.data import regions
from qualitykit.paths import notebooks_dir
from qualitykit.report import framework, publish

pytestmark = [pytest.mark.browser, pytest.mark.notebook, pytest.mark.slow]

DISTRICT, NEIGHBOUR, CITY, PROVINCE = "330303", "330304", "330300", "330000"

IMG = "<img src=x onerror=\"window.__xss='item-img'\">勾心纵向刚度"
SCRIPT = "<script>window.__xss='item-script'</script>帮底剥离强度"
BREAKOUT = "</textarea></pre><svg onload=\"window.__xss='item-svg'\">成鞋耐折性能"
MD_LINK = "[点击](javascript:window.__xss='item-md')标识"
MD_SYNTAX = "**粗体** _斜体_ | 表 | 格 | `代码` 标志"
ITEMS = {
    "勾心纵向刚度": IMG,
    "帮底剥离强度": SCRIPT,
    "成鞋耐折性能": BREAKOUT,
    "标识": MD_LINK,
    "标志": MD_SYNTAX,
}
PRODUCT = "<img src=x onerror=\"window.__xss='product'\">皮鞋"
ENTERPRISE = "<script>window.__xss='enterprise'</script>E"
FOLDER = '<img src=x onerror="window.__xss=`path`">数据'  # a folder name: no "/"
REGION_NAMES = {
    DISTRICT: "<img src=x onerror=\"window.__xss='district'\">龙湾区",
    CITY: "<svg onload=\"window.__xss='city'\">温州市",
    PROVINCE: "<script>window.__xss='province'</script>浙江省",
}
# echoed by error messages with repr(): no single quote, which repr would escape
BAD_CODE = '<img src=x onerror="window.__xss=`code`">'
BAD_LANG = "<script>window.__xss='lang'</script>"

# the same patch of the region table, in the kernels (startup file) and in this process
PATCH = textwrap.dedent(
    f"""
    import functools as _ft

    import qualitykit.data.regions as _regions

    _NAMES = {REGION_NAMES!r}
    _original = _regions.regions

    @_ft.cache
    def _patched():
        df = _original().copy()
        for code, new in _NAMES.items():
            df.loc[df["region_code"] == code, ["name_zh", "name_en"]] = new
            df.loc[df["city_code"] == code, "city_name_zh"] = new
            df.loc[df["province_code"] == code, ["province_name_zh", "province_name_en"]] = new
        return df

    _regions.regions = _patched
    for _f in (_regions._by_code, _regions.counties, _regions._county_city):
        _f.cache_clear()
    """
)


def _clear_region_caches() -> None:
    for f in (regions._by_code, regions.counties, regions._county_city):
        f.cache_clear()


def _rewrite(path: Path, change) -> None:
    table = pq.read_table(path)
    df = change(table.to_pandas())
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False).cast(table.schema), path)


def _payload_data(root: Path) -> Path:
    """The tiny sample as user data whose text fields carry payloads (see the module docstring)."""
    tiny = framework.resolve_source("sample:tiny")
    data = root / FOLDER
    for kind in ("records", "nonconformities"):
        shutil.copytree(tiny / kind, data / kind)
    shutil.copy(tiny / "enterprises.parquet", data / "enterprises.parquet")
    prov = f"province={PROVINCE}"

    def records(df: pd.DataFrame) -> pd.DataFrame:
        own = df["region_code"] == DISTRICT
        product = df["product"].astype("string").where(~own, PRODUCT)
        return df.assign(product=product, enterprise_id=ENTERPRISE + df["enterprise_id"])

    def nonconformities(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(item=df["item"].astype("string").replace(ITEMS))

    def enterprises(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(enterprise_id=ENTERPRISE + df["enterprise_id"])

    _rewrite(data / "records" / prov / "part-0.parquet", records)
    _rewrite(data / "nonconformities" / prov / "part-0.parquet", nonconformities)
    _rewrite(data / "enterprises.parquet", enterprises)
    return data


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Every page: papermill runs (direct and nbconvert rendering) and two batch runs."""
    root = tmp_path_factory.mktemp("escaping")
    data = _payload_data(root)
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-payload-regions.py").write_text(PATCH, encoding="utf-8")
    pages: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPYTHONDIR", str(root / "ipython"))
        # the batch runner's prepare hook reads the region table in this process: patch it here
        # too; undo restores the table function recorded now (PATCH assigns the patched one)
        mp.setattr(regions, "regions", regions.regions)
        exec(PATCH, {})
        _clear_region_caches()
        try:
            pages.update(_papermill_pages(root, data))
            pages.update(_batch_pages(root, data))
        finally:
            mp.undo()
            _clear_region_caches()
    assert "<" not in regions.name(DISTRICT)  # nothing leaks into later tests
    return pages


def _papermill_pages(root: Path, data: Path) -> dict[str, Path]:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out = {}
    runs = {
        "05": ("05_district_report", {"region_code": DISTRICT}),
        "02": ("02_pareto_causes", {"region_code": DISTRICT, "product": PRODUCT}),
        "05 bad code": ("05_district_report", {"region_code": BAD_CODE}),
    }
    for label, (name, params) in runs.items():
        folder = root / "papermill" / label.replace(" ", "_")
        folder.mkdir(parents=True)
        ipynb = folder / f"{name}.ipynb"
        error = None
        try:
            pm.execute_notebook(
                str(notebooks_dir() / f"{name}.ipynb"),
                str(ipynb),
                parameters={**params, "data_source": str(data), "output_dir": str(folder / "t")},
                cwd=str(notebooks_dir()),
                progress_bar=False,
                kernel_name="python3",
            )
        except PapermillExecutionError as exc:  # as the batch runner words a failure
            error = f"{exc.ename}: {exc.evalue}"
        nb = nbformat.read(str(ipynb), as_version=4)
        title = f"{REGION_NAMES[DISTRICT]} · {name}"
        direct = publish.render_report(nb, title=title, css_href="report.css", error=error)
        with pytest.MonkeyPatch.context() as mp:  # the same notebook through nbconvert
            mp.setattr(publish, "_fast_body", lambda nb: None)
            fallback = publish.render_report(nb, title=title, css_href="report.css", error=error)
        (folder / "direct.html").write_text(direct, encoding="utf-8")
        (folder / "nbconvert.html").write_text(fallback, encoding="utf-8")
        publish.copy_assets(folder)
        shutil.copy(folder / "assets" / "report.css", folder / "report.css")
        out[f"papermill {label} direct"] = folder / "direct.html"
        out[f"papermill {label} nbconvert"] = folder / "nbconvert.html"
    return out


def _batch_pages(root: Path, data: Path) -> dict[str, Path]:
    out = {}
    opts = batch.RunOptions(workers=1, progress=False, timeout=300)
    r05 = batch.run_batch(
        notebooks_dir() / "05_district_report.ipynb",
        [
            {"region_code": DISTRICT, "data_source": str(data)},
            {"region_code": NEIGHBOUR, "data_source": str(data), "lang": BAD_LANG},
        ],
        root / "run05",
        opts,
    )
    r02 = batch.run_batch(
        notebooks_dir() / "02_pareto_causes.ipynb",
        [
            {
                "region_code": CITY,
                "product": "",
                "compare_by": "region",
                "lang": "en",
                "data_source": str(data),
            },
            {"region_code": DISTRICT, "data_source": str(data / "missing")},
        ],
        root / "run02",
        opts,
    )
    for label, result in (("05", r05), ("02", r02)):
        out[f"batch {label} index"] = result.run_dir / "index.html"
        for i, task in enumerate(result.manifest["tasks"]):
            out[f"batch {label} task {i}"] = result.run_dir / task["outputs"]["html"]
    return out


# what each page must show literally: (where, text); where is "text", "title" or "alt" (or
# "any item": one of the item payloads)
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "papermill 05": [
        ("title", REGION_NAMES[DISTRICT]),
        ("text", REGION_NAMES[DISTRICT]),
        ("text", REGION_NAMES[PROVINCE]),
        ("alt", REGION_NAMES[DISTRICT]),
        *[("text", v) for v in ITEMS.values()],
    ],
    "papermill 02": [
        ("text", PRODUCT),
        ("text", REGION_NAMES[DISTRICT]),
        ("alt", REGION_NAMES[DISTRICT]),
        *[("text", v) for v in ITEMS.values()],
    ],
    "batch 05 index": [
        ("text", REGION_NAMES[DISTRICT]),
        ("text", REGION_NAMES[CITY]),
        ("text", BAD_LANG),
        ("any item", ""),  # the district's top nonconforming item
    ],
    "batch 05 task 0": [
        ("title", REGION_NAMES[DISTRICT]),
        ("text", REGION_NAMES[DISTRICT]),
        ("text", REGION_NAMES[PROVINCE]),
        *[("text", v) for v in ITEMS.values()],
    ],
    "batch 05 task 1": [("text", BAD_LANG)],
    "papermill 05 bad code": [("text", BAD_CODE)],
    "batch 02 index": [("text", FOLDER)],
    "batch 02 task 0": [
        ("text", REGION_NAMES[CITY]),
        ("text", REGION_NAMES[DISTRICT]),
        ("alt", REGION_NAMES[CITY]),
    ],
    "batch 02 task 1": [("text", FOLDER)],
}


def _visit(browser, path: Path):
    page = browser.new_page()
    problems: list[str] = []
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # let an onerror / onload handler fire, if any were live
    return page, problems


@pytest.mark.parametrize("label", list(EXPECTED))
def test_payloads_show_literally_and_run_nothing(site, browser, label):
    paths = [p for k, p in site.items() if k in (label, f"{label} direct", f"{label} nbconvert")]
    assert paths, f"no page for {label}: {sorted(site)}"
    for path in paths:
        page, problems = _visit(browser, path)
        try:
            assert page.evaluate("typeof window.__xss") == "undefined", path
            assert problems == [], path
            # the index page's own sorting script is its only script; report pages have none
            assert page.locator("script").count() == (1 if label.endswith("index") else 0), path
            text = page.inner_text("body")
            title = page.title()
            alts = page.eval_on_selector_all("img", "is => is.map(i => i.alt)")
            for where, expected in EXPECTED[label]:
                if where == "any item":
                    assert any(v in text for v in ITEMS.values()), f"{path}: no item payload"
                    continue
                seen = {"text": [text], "title": [title], "alt": alts}[where]
                assert any(expected in s for s in seen), f"{path}: {where} lacks {expected!r}"
        finally:
            page.close()


def test_every_page_was_rendered(site):
    """The runs produced every page the browser test visits (nothing silently skipped)."""
    assert all(p.is_file() for p in site.values())
    nb = nbformat.read(str(site["batch 05 task 0"].with_suffix(".ipynb")), as_version=4)
    assert any(c.cell_type == "code" and c.get("outputs") for c in nb.cells)
