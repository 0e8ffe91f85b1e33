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
