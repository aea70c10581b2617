"""A throw-away JupyterLab for real-browser tests, and the few Playwright steps every such test needs.

Follows /work/shared/recipes/browser-tests.md: the server listens on 127.0.0.1 on a free port with
a random token; every Jupyter, IPython and matplotlib folder points into a temporary directory, so
a test run leaves nothing behind; JupyterLab's news pop-up is switched off; the server is stopped
with SIGTERM (SIGKILL as a fallback) and no kernel may outlive it. Notebooks are *copied* into the
server's root, so running them never rewrites the files in the repository.

Use it through the fixtures in ``conftest.py`` (``jupyter_lab``, ``page``, ``artifacts_dir``)::

    def test_my_widget(jupyter_lab, page):
        path = jupyter_lab.add_notebook(NOTEBOOKS / "my_widget.ipynb")
        open_notebook(page, jupyter_lab, path)
        run_all_cells(page)
        expect(page.locator(".my-widget")).to_be_visible()
        assert_no_widget_errors(page)
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Debian's chromium, kept off the network (without these flags it keeps trying to reach the internet).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDGET_ERRORS = ("Loading widget", "Error displaying widget")


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """One JupyterLab server process over a temporary root folder.

    Args:
        workdir: an empty temporary folder; the notebooks go to ``workdir/root``, Jupyter's own
            folders to ``workdir/home``.
        python: the interpreter that runs the server and, through ipykernel, the kernels.
        startup_timeout: seconds to wait for ``/api/status``.
    """

    def __init__(self, workdir: Path, python: str = sys.executable, startup_timeout: float = 90.0):
        self.workdir = Path(workdir)
        self.root = self.workdir / "root"
        self.home = self.workdir / "home"
        self.python = python
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.log_path = self.workdir / "jupyterlab.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        """The environment of the server and its kernels: every config and cache folder in ``home``."""
        h = self.home
        env = dict(os.environ)
        env.update(JUPYTER_RUNTIME_DIR=str(h / "runtime"), JUPYTER_CONFIG_DIR=str(h / "config"),
                   JUPYTER_DATA_DIR=str(h / "data"), IPYTHONDIR=str(h / "ipython"), MPLCONFIGDIR=str(h / "mpl"),
                   npm_config_cache=str(h / "npm"), HOME=str(h), JUPYTER_PLATFORM_DIRS="1")
        return env

    def _write_settings(self) -> Path:
        settings = self.home / "lab-settings"
        news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        news.parent.mkdir(parents=True, exist_ok=True)
        news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        return settings

    def start(self) -> "JupyterLab":
        self.root.mkdir(parents=True, exist_ok=True)
        for sub in ("runtime", "config", "data", "ipython", "mpl", "npm", "workspaces"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        settings = self._write_settings()
        cmd = [self.python, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={self.port}",
               "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
               "--ServerApp.password=", f"--ServerApp.root_dir={self.root}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={self.home / 'workspaces'}",
               "--LabApp.extension_manager=readonly", "--LanguageServerManager.autodetect=False"]
        log = open(self.log_path, "wb")
        # A session of its own: the server and the kernels it starts form one process group we own.
        self.process = subprocess.Popen(cmd, cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.base_url}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the server (it shuts its kernels down), SIGKILL what is left of its process group."""
        p = self.process
        if p is None:
            return
        pgid = p.pid  # start_new_session: the group id is the server's pid
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        deadline = time.monotonic() + 5
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(pgid):  # a kernel outlived the server: end it, it is ours
            os.killpg(pgid, signal.SIGKILL)
        self.process = None

    def leftover_processes(self) -> bool:
        return self.process is not None and _group_alive(self.process.pid)

    def add_notebook(self, source: Path, name: str | None = None) -> str:
        """Copy a notebook into the server's root; returns its path relative to the root."""
        target = self.root / (name or Path(source).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target.relative_to(self.root).as_posix()

    def lab_url(self, path: str) -> str:
        return f"{self.base_url}/lab/tree/{path}?token={self.token}&reset"

    def __enter__(self) -> "JupyterLab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------- driving the page
def open_notebook(page, lab: JupyterLab, path: str, timeout: float = 90_000) -> None:
    """Open a notebook in JupyterLab and wait until its kernel has started and is idle.

    The toolbar's execution indicator says "idle" before any kernel exists; running cells then
    opens a "Select Kernel" dialog. So wait for the status bar's "<kernel name> | Idle" as well.
    """
    page.goto(lab.lab_url(path))
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=timeout)
    page.locator("#jp-main-statusbar", has_text=re.compile(r"\(ipykernel\) \| Idle")).wait_for(timeout=timeout)


def run_all_cells(page, timeout: float = 90_000) -> None:
    """Run ▸ Run All Cells from the menu bar (there is no default shortcut), then wait for idle."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_timeout(300)  # let the kernel pick the cells up before waiting for idle
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=timeout)


def assert_no_widget_errors(page) -> None:
    """No widget is still loading or failed to display, and no cell printed a traceback."""
    for text in WIDGET_ERRORS:
        count = page.get_by_text(text).count()
        assert count == 0, f"the page shows {text!r} {count} time(s): a widget did not render"
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"a cell failed:\n{tracebacks[0][:2000]}"
