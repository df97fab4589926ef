"""A fresh, untrusted JupyterLab opens the committed notebooks: drawings show, nothing turns "modified".

JupyterLab trusts a notebook only once it has run it itself: before that it renders no SVG (nor
scripts), so each drawing must carry a PNG to show instead. On opening a notebook it also rewrites
the notebook's kernelspec and language_info from the kernel it starts, and a notebook whose metadata
then differs shows as modified before anything has run. This test starts a real JupyterLab on a copy
of the notebooks, with a fresh profile (nothing trusted), and looks with the system Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import driver, keep_screenshot, launch

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ["01_computational_graphs.ipynb", "ko/lecture4_ko.ipynb"]
TOKEN = "gategraph-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory) -> Iterator[str]:
    """A JupyterLab server on a copy of notebooks/, with empty settings and trust stores; its URL.

    The server and its kernels run in a process group of their own, ended on every path.
    """
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail('JupyterLab is not installed (pip install -e ".[test]"); on CI that is a failure')
        pytest.skip('JupyterLab is not installed (pip install -e ".[test]")')
    home = tmp_path_factory.mktemp("jupyterlab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                     "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        folder = home / variable.lower()
        folder.mkdir()
        env[variable] = str(folder)
    # render every cell at once (by default JupyterLab renders a long notebook's cells as they scroll in)
    tracker = home / "jupyterlab_settings_dir" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={home / 'notebooks'}",
         "--allow-root"],                          # the machines of CI run as root: see the README
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            if server.poll() is not None:
                log_text = (home / "server.log").read_text()[-2000:]
                pytest.fail(f"jupyter lab exited {server.returncode}:\n{log_text}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2) as answer:
                    json.load(answer)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"jupyter lab did not answer:\n{(home / 'server.log').read_text()[-2000:]}")
        yield url
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        finally:
            log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator:
    with driver() as playwright:
        context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"),
                         viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


def outputs_with(notebook: str, kind: str) -> int:
    """How many outputs of the committed notebook carry the MIME type ``kind``."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    return sum(kind in output.get("data", {}) for cell in nb["cells"] for output in cell.get("outputs", []))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_an_untrusted_jupyterlab_shows_the_drawings_and_leaves_the_notebook_unmodified(
        notebook, jupyterlab, browser, tmp_path):
    page = browser.new_page()
    try:
        page.goto(f"{jupyterlab}/lab/tree/{notebook}?token={TOKEN}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
        # the kernel has started and answered: JupyterLab has written what it writes into the notebook
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
        page.wait_for_function("document.querySelector('.jp-StatusBar-TextItem') !== null", timeout=60_000)
        page.get_by_text("| Idle").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)                  # its metadata updates follow the kernel's first reply
        panel = page.locator(".jp-NotebookPanel:visible")
        assert panel.locator(".jp-RenderedSVG").count() == 0, "an untrusted notebook rendered an SVG"
        assert outputs_with(notebook, "image/svg+xml") > 0                   # drawings of graphs
        expected = outputs_with(notebook, "image/png")                       # each with its PNG
        images = panel.locator(".jp-RenderedImage img[src^='data:image/png']")
        assert images.count() == expected, f"{images.count()} PNGs shown of {expected}"
        first = images.first
        first.scroll_into_view_if_needed()
        width = first.evaluate("img => img.getBoundingClientRect().width")
        assert width > 50
        keep_screenshot(page.screenshot(), f"jupyterlab-{Path(notebook).stem}.png", tmp_path)
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "the notebook shows as modified"
    finally:
        page.close()
