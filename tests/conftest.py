"""Shared test set-up.

``./qk test`` (what CI runs) installs the CJK font and Chromium; it sets ``QUALITYKIT_REQUIRE_CJK=1``
and ``QUALITYKIT_REQUIRE_BROWSER=1`` so that tests which would otherwise be skipped without them fail
loudly instead: in CI a missing font must not pass for a green run.
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
