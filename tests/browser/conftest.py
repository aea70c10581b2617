"""Fixtures for real-browser tests: a JupyterLab server, Debian's chromium through Playwright, artifacts.

Import the helper as ``tests.browser.jupyter_server`` (this conftest puts the repository on
``sys.path`` for that, also when pytest is started as ``pytest`` rather than ``python -m pytest``).
The folder is a package (``__init__.py``), so the helper never becomes a top-level module named
``jupyter_server``, which would shadow the real Jupyter package.
Every test here should be marked ``@pytest.mark.browser``. Without chromium they are skipped with
the command that installs it; ``playwright install`` is never needed (and fails offline).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.browser.jupyter_server import CHROMIUM_ARGS, JupyterLab  # noqa: E402
ARTIFACTS = REPO / "artifacts" / "browser"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory, chromium_executable):
    """One JupyterLab server for the whole session (started only when a browser test runs)."""
    lab = JupyterLab(tmp_path_factory.mktemp("jupyterlab"))
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()
        assert not lab.leftover_processes(), "a kernel or server process outlived the test session"


@pytest.fixture(scope="session")
def browser(chromium_executable, tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed: pip install playwright")
    home = tmp_path_factory.mktemp("chromium-home")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS, env={"HOME": str(home)})
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per test (no shared storage between tests)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``artifacts/browser`` in the repository (git-ignored): screenshots to look at after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
