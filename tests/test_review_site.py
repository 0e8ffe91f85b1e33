"""The review site in a real headless browser (Debian chromium driven by Playwright).

A small real run (three districts, one of them failing) is rendered; the test opens its index.html
from the file system (no server) and checks: no console errors, sorting and filtering work, failed
districts are visible with their error, and every link resolves to a page that loads cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qualitykit import run as batch

NB = Path(__file__).parent / "fixtures" / "notebooks" / "fault_report.ipynb"

pytestmark = [pytest.mark.browser, pytest.mark.notebook]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("site") / "run"
    sets = [
        {"region_code": "330324"},
        {"region_code": "330302", "fault": "raise"},
        {"region_code": "330303"},
    ]
    batch.run_batch(NB, sets, run_dir, batch.RunOptions(workers=1, progress=False, timeout=60))
    return run_dir


def _open(browser, url: str):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors


def _column(page, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#qk-index tbody tr:not([hidden])",
        f"rows => rows.map(r => r.cells[{index}].textContent.trim())",
    )


def test_index_loads_sorts_filters_and_links_resolve(site, browser):
    page, errors = _open(browser, (site / "index.html").as_uri())
    assert page.title()
    headers = page.eval_on_selector_all("#qk-index thead th", "hs => hs.map(h => h.dataset.key)")
    assert headers[0] == "key" and "status" in headers and "error" in headers
    codes = _column(page, 0)
    assert sorted(codes) == ["330302", "330303", "330324"]

    # sorting: click the code header twice → ascending then descending
    page.click("th[data-key=key]")
    assert _column(page, 0) == ["330302", "330303", "330324"]
    page.click("th[data-key=key]")
    assert _column(page, 0) == ["330324", "330303", "330302"]
    # numeric sort on the value column
    value_idx = headers.index("value")
    page.click("th[data-key=value]")
    values = [v for v in _column(page, value_idx) if v != "–"]
    assert values == sorted(values, key=float)

    # the failed district is visible with its error
    status_idx, error_idx = headers.index("status"), headers.index("error")
    rows = dict(zip(_column(page, 0), _column(page, status_idx), strict=True))
    assert rows["330302"] == "失败" and rows["330303"] == "完成"  # coded statuses shown in words
    errs = dict(zip(_column(page, 0), _column(page, error_idx), strict=True))
    assert "injected failure in 330302" in errs["330302"]

    # filtering by text and by status
    page.fill("#qk-filter", "330303")
    assert _column(page, 0) == ["330303"]
    assert page.text_content("#qk-count") == "1 / 3"
    page.fill("#qk-filter", "")
    page.select_option("#qk-status", "failed")
    assert _column(page, 0) == ["330302"]
    page.select_option("#qk-status", "")
    assert len(_column(page, 0)) == 3

    # every link resolves to an existing page that loads without errors
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    assert len(hrefs) == 3
    for href in hrefs:
        assert href.startswith("file://")
        report, report_errors = _open(browser, href)
        assert report.locator("img").count() >= (0 if "330302" in href else 1)
        back = report.eval_on_selector("nav a", "a => a.href")
        assert back == (site / "index.html").as_uri()
        assert report_errors == [], href
        report.close()
    assert errors == []
