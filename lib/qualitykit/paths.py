"""Where the project's data, notebooks and outputs live.

The package is installed editable from the project root (``pip install -e .``); data files stay in
the top-level ``data/`` folder of the design card. ``QUALITYKIT_HOME`` overrides the root (for an
installation outside the source tree), ``QUALITYKIT_SAMPLE_DIR`` the generated sample data.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The qualitykit project folder (holds ``data/``, ``notebooks/``, ``outputs/``)."""
    env = os.environ.get("QUALITYKIT_HOME")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """``data/``: sample, reference figures, regions, industries, cause map, targets."""
    return project_root() / "data"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def outputs_dir() -> Path:
    return project_root() / "outputs"


def sample_dir() -> Path:
    """Folder of the generated sample data set (git-ignored, rebuilt by ``qualitykit sample``)."""
    env = os.environ.get("QUALITYKIT_SAMPLE_DIR")
    if env:
        return Path(env).resolve()
    return data_dir() / "sample" / "generated"
