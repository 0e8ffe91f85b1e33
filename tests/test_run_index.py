"""The index page of a batch run (issue 11 item 6), built from notebook 05's own index metadata.

Checked: coded values shown in the vocabulary's words in each language (never the codes
``inconclusive`` / ``high``), the rank interval "lower–upper / n" instead of a bare rank, every
value from data escaped; and in headless Chromium at 1280×800 and at a phone's 390×844: no
page-level horizontal scroll, the table scrolling within its own frame both ways with its header
row (and first column) kept in view, the rank intervals and status words on screen.
"""

from __future__ import annotations

import html
import re

import nbformat
import pytest

from qualitykit.paths import notebooks_dir
from qualitykit.run import index as run_index

NB = notebooks_dir() / "05_district_report.ipynb"
META = nbformat.read(str(NB), as_version=4).metadata["qualitykit"]
PAYLOAD = '<img src=x onerror="alert(1)">'
FLAGS = ("high", "within", "low")
STATUSES = ("inconclusive", "met", "not_met", "on_track", "off_track", "no_data")


def _manifest(n: int = 60) -> dict:
    tasks = []
    for i in range(n):
        code = f"33{i:04d}"
        ok = i % 17 != 5
        lo, hi = 1 + i % 7, 1 + i % 7 + i % 5
        summary = {
            "name": PAYLOAD if i == 3 else f"测试区{i}",
            "city": "温州市",
            "batches": 100 + i,
            "pass_rate": 0.9 + i / 1000,
            "ci_lower": 0.85,
            "ci_upper": 0.95,
            "trend_pp": 0.1 * (i % 3 - 1),
            "gap_parent_pp": 0.5,
            "funnel_flag": FLAGS[i % 3],
            "rank": (lo + hi) / 2,
            "rank_lower": float(lo),
            "rank_upper": float(hi),
            "n_districts": 11,
            "top_item": "标识",
            "target_status": STATUSES[i % len(STATUSES)],
            "data_status": "ok",
        }
        tasks.append(
            {
                "key": code,
                "status": "ok" if ok else "failed",
                "error": None if ok else f"ValueError: broken {code}",
                "summary": summary if ok else {},
                "outputs": {"html": f"05_district_report/{code}/{code}.html"} if ok else {},
            }
        )
    return {
        "run": {
            "name": "t",
            "notebook": "05_district_report.ipynb",
            "packages": {"qualitykit": "0"},
            "created": "now",
            "data_fingerprint": "f" * 64,  # a long token: must wrap, not widen the page
            "git_commit": "0123456789abcdef0123456789abcdef01234567",
        },
        "counts": {"ok": n - 4, "failed": 4},
        "tasks": tasks,
    }


def _page(tmp_path, lang: str) -> str:
    folder = tmp_path / lang
    folder.mkdir()
    return run_index.write_run_index(folder, _manifest(), meta=META, lang=lang).read_text("utf-8")


def _cells(page: str, key: str) -> list[str]:
    """The texts of one column's cells, in row order."""
    heads = re.findall(r'<th [^>]*data-key="([^"]+)"', page)
    col = heads.index(key)
    rows = re.findall(r"<tr data-status=.*?</tr>", page, flags=re.S)
    out = []
    for r in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)
        out.append(html.unescape(re.sub(r"<[^>]+>", "", cells[col])))
    return out


def test_index_words_come_from_the_vocabulary(tmp_path):
    zh = _page(tmp_path, "zh")
    status = _cells(zh, "target_status")
    # the glossary's words (docs/glossary.md), not the codes
    assert status[:7] == ["无法判定", "已达标", "未达标", "进度正常", "进度滞后", "–", "无法判定"]
    assert _cells(zh, "target_status")[11] == "无数据"  # task 5 failed: no summary
    flags = _cells(zh, "funnel_flag")
    assert flags[:3] == ["高于控制限", "在控制限内", "低于控制限"]
    assert set(_cells(zh, "data_status")) <= {"有数据", "–"}
    assert "失败" in _cells(zh, "status") and "完成" in _cells(zh, "status")
    en = _page(tmp_path, "en")
    assert _cells(en, "target_status")[:2] == ["inconclusive", "met"]
    assert _cells(en, "funnel_flag")[:3] == [
        "above the limits",
        "within the limits",
        "below the limits",
    ]
    assert "done" in _cells(en, "status")
    # headers from the vocabulary too
    assert ">排名区间（95%）<" in zh and ">Rank interval (95%)<" in en
    assert ">漏斗图（99.8%）<" in zh and ">Funnel (99.8%)<" in en


def test_index_shows_the_rank_interval_not_a_bare_rank(tmp_path):
    ranks = _cells(_page(tmp_path, "zh"), "rank")
    # task i: lower 1 + i % 7, upper lower + i % 5, of 11 (written out here); tasks 5, 22, … failed
    want = []
    for i in range(60):
        lo, hi = 1 + i % 7, 1 + i % 7 + i % 5
        want.append("–" if i % 17 == 5 else (f"{lo} / 11" if lo == hi else f"{lo}–{hi} / 11"))
    assert ranks == want
    assert ranks[2] == "3–5 / 11"


def test_index_values_are_escaped(tmp_path):
    page = _page(tmp_path, "zh")
    assert "<img" not in page and "&lt;img src=x onerror=" in page
    assert page.count("<script") == 1  # the page's own sorting script only


def test_an_interval_cell_sorts_by_its_key_and_survives_missing_ends():
    from qualitykit.report.publish import IndexColumn, _interval_cell

    col = IndexColumn("rank", "Rank", "interval", parts=("rank_lower", "rank_upper", "n"))
    cell = _interval_cell(col, {"rank": 2.5, "rank_lower": 2.0, "rank_upper": 3.5, "n": 4})
    assert cell["text"] == "2–3.5 / 4" and float(cell["sort"]) == 2.5
    assert _interval_cell(col, {"rank_lower": None, "rank_upper": 3})["text"] == "–"
    assert _interval_cell(col, {"rank_lower": 1, "rank_upper": 1})["text"] == "1"


# ------------------------------------------------------------------------------------------
# in a real browser
# ------------------------------------------------------------------------------------------

VIEWPORTS = [(1280, 800), (390, 844)]


@pytest.fixture(scope="module")
def index_pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("index")
    out = {}
    for lang in ("zh", "en"):
        folder = root / lang
        folder.mkdir()
        out[lang] = run_index.write_run_index(folder, _manifest(), meta=META, lang=lang)
    return out


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_index_reads_at_desktop_and_phone_widths(index_pages, browser, width, height, lang):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(index_pages[lang].as_uri())
    page.wait_for_load_state("load")
    try:
        # no page-level horizontal scroll
        overflow = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], overflow
        # the table scrolls within its own frame, vertically (60 rows) …
        frame = page.evaluate(
            """() => { const f = document.getElementById('qk-frame');
                       const s = getComputedStyle(f);
                       return {sh: f.scrollHeight, ch: f.clientHeight, sw: f.scrollWidth,
                               cw: f.clientWidth, ox: s.overflowX, oy: s.overflowY}; }"""
        )
        assert frame["sh"] > frame["ch"] and frame["oy"] in ("auto", "scroll"), frame
        assert frame["ox"] in ("auto", "scroll"), frame
        if width < 600:  # … and sideways on a phone, inside the frame only
            assert frame["sw"] > frame["cw"], frame
        # scroll the frame down (and sideways): the header row stays in view at its top
        page.evaluate(
            "() => { const f = document.getElementById('qk-frame');"
            " f.scrollTop = f.scrollHeight / 2; f.scrollLeft = 120; }"
        )
        page.wait_for_timeout(50)
        geo = page.evaluate(
            """() => {
              const f = document.getElementById('qk-frame').getBoundingClientRect();
              const ths = Array.from(document.querySelectorAll('#qk-index thead th'));
              const first = ths[0].getBoundingClientRect();
              const seen = ths.filter(th => {
                const r = th.getBoundingClientRect();
                const x = Math.min(Math.max(r.left + r.width / 2, f.left + 2), f.right - 2);
                if (r.right < f.left || r.left > f.right) return false;
                const hit = document.elementFromPoint(x, r.top + r.height / 2);
                return hit !== null && th.contains(hit);
              }).length;
              return {frameTop: f.top, frameLeft: f.left, top: first.top, left: first.left,
                      seen: seen, scrolled: document.getElementById('qk-frame').scrollTop};
            }"""
        )
        assert geo["scrolled"] > 0
        assert abs(geo["top"] - geo["frameTop"]) <= 2, geo  # sticky header at the frame's top
        assert abs(geo["left"] - geo["frameLeft"]) <= 2, geo  # first column kept in view
        assert geo["seen"] >= 2, geo  # header cells on top of the scrolled rows, not covered
        # the rank intervals and the status words are on the page
        body = page.inner_text("#qk-index tbody")
        assert re.search(r"\b3–5 / 11\b", body)
        if lang == "zh":
            assert "无法判定" in body and "高于控制限" in body
            assert "inconclusive" not in body and "high" not in body.split()
        else:
            assert "inconclusive" in body and "above the limits" in body
        assert not errors, errors
    finally:
        page.close()
