"""A real browser for the tests: the system's Chromium, driven by playwright.

Nothing is downloaded: the tests drive the Chromium of the operating system (Debian:
``apt-get install chromium``; elsewhere set ``GATEGRAPH_CHROMIUM`` to a Chromium or Chrome
program). Where playwright or the browser is missing, the browser tests skip with a message
saying what to install; on CI (the environment variable ``CI`` is set) they fail instead,
so that a CI run can never pass without having run them.

Import as ``from tests.browser import ...``.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: Headless, and quiet: no GPU, no QUIC, no first-run pages, no background traffic of the browser's own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests cannot run: {reason} (on CI that is a failure, not a skip)",
                    pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def chromium() -> str:
    """The Chromium program to drive; skips the test (or fails it on CI) when there is none."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing('playwright is not installed (pip install -e ".[test]")')
    path = (os.environ.get("GATEGRAPH_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))
    if not path:
        _missing("no Chromium found (apt-get install chromium, or set GATEGRAPH_CHROMIUM)")
    return str(path)


@contextmanager
def driver() -> Iterator[Any]:
    """Playwright, ready to launch the system Chromium (one per test module: it runs an event loop)."""
    chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch(playwright: Any, profile: Path, **options: Any) -> Any:
    """A browser context of the system Chromium, headless, on the fresh profile directory ``profile``.

    ``options`` go to playwright's ``launch_persistent_context`` (``viewport``,
    ``java_script_enabled``, ...). Close the context when done.
    """
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=chromium(), args=CHROMIUM_ARGS, headless=True, **options)


@dataclass
class Watched:
    """A page with everything it asked the network for and every error it reported."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_offline_and_quiet(self, allowed: str) -> None:
        """Every request stayed within ``allowed`` (a ``file://`` prefix), and nothing went wrong."""
        assert self.requests, "no request was recorded: the watch is not working"
        outside = [url for url in self.requests if not url.startswith(allowed)]
        assert not outside, f"requests left the files: {outside}"
        assert not self.errors, f"the page reported errors: {self.errors}"


def watch(page: Any) -> Watched:
    """Start recording ``page``'s requests, its console errors and its uncaught exceptions."""
    watched = Watched(page)
    page.on("request", lambda request: watched.requests.append(request.url))
    page.on("console", lambda message: watched.errors.append(f"console: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
    return watched


def pixels_near(png: bytes, color: str, tolerance: float = 0.12) -> int:
    """How many pixels of the PNG ``png`` are within ``tolerance`` (per channel, 0-1) of ``#rrggbb``."""
    from matplotlib import image

    rgb = image.imread(io.BytesIO(png), format="png")[..., :3]
    target = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return int((abs(rgb - target) <= tolerance).all(axis=-1).sum())


def keep_screenshot(png: bytes, name: str, fallback: Path) -> Path:
    """Write a screenshot into ``$GATEGRAPH_SCREENSHOTS`` if set (to look at), else into ``fallback``."""
    folder = Path(os.environ.get("GATEGRAPH_SCREENSHOTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(png)
    return path
