from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Compiled atlases are cached per test session, never in the user's cache directory.
os.environ.setdefault("NEURECTOMY_CACHE_DIR", tempfile.mkdtemp(prefix="neurectomy-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).with_name("fixtures")
SHARED = Path(os.environ.get("NEURECTOMY_SHARED", ROOT.parent / "shared")) / "reference"


@pytest.fixture(scope="session")
def mini():
    from neurectomy.atlas import load_atlas

    return load_atlas(FIXTURES / "mini")


@pytest.fixture(scope="session")
def atlas():
    from neurectomy import default_atlas

    return default_atlas()
