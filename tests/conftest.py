"""Shared test set-up.

``./qk test`` (what CI runs) installs the CJK font and Chromium; it sets ``QUALITYKIT_REQUIRE_CJK=1``
and ``QUALITYKIT_REQUIRE_BROWSER=1`` so that tests which would otherwise be skipped without them fail
loudly instead: in CI a missing font must not pass for a green run.

Shared fixtures: the session's browser; the explorer's data on the tiny sample
(``explorer_data``, test_explorer.py, test_explorer_app.py); the 60 000-batch synthetic sample both in memory
(``sample_mem``) and written as a sample folder with small row groups (``sample_folder``), the
same seed and size, so that readers can be checked against an independent in-memory computation
(test_dataset.py, test_vintage.py).
"""

from __future__ import annotations

import os
import shutil

import matplotlib
import pytest

matplotlib.use("Agg")


def pytest_sessionstart(session: pytest.Session) -> None:
    problems = []
    if os.environ.get("QUALITYKIT_REQUIRE_CJK") == "1":
        from qualitykit.report import plots

        if not plots.cjk_available():
            problems.append("no CJK font is installed (Debian: apt-get install fonts-noto-cjk)")
    if os.environ.get("QUALITYKIT_REQUIRE_BROWSER") == "1":
        if not (shutil.which("chromium") or shutil.which("chromium-browser")):
            problems.append("Chromium is not installed (Debian: apt-get install chromium)")
    if problems:
        pytest.exit("test prerequisites missing: " + "; ".join(problems), returncode=3)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (skipped where it is not installed)."""
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (./qk test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


SAMPLE_N, SAMPLE_SEED = 60_000, 11
"""The size and seed of ``sample_mem`` / ``sample_folder``."""


@pytest.fixture(scope="session")
def sample_mem():
    """The synthetic sample generated in memory (:func:`qualitykit.data.sample.generate`)."""
    from qualitykit.data import sample

    return sample.generate(SAMPLE_N, seed=SAMPLE_SEED)


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory: pytest.TempPathFactory):
    """The same sample written as a sample folder (read-only for the tests), with row groups of
    1 000 rows: many per province file, so that pruning by region code shows."""
    from qualitykit.data import sample

    path = tmp_path_factory.mktemp("sample") / "s"
    mp = pytest.MonkeyPatch()
    mp.setattr(sample, "ROW_GROUP_SIZE", 1_000)
    try:
        sample.write_sample(path, SAMPLE_N, seed=SAMPLE_SEED)
    finally:
        mp.undo()
    return path


@pytest.fixture(scope="module")
def explorer_data():
    """The explorer's data on the tiny sample, read once per test module."""
    from qualitykit.explore.source import ExplorerData

    return ExplorerData("sample:tiny")
