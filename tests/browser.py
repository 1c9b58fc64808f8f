"""Drive Debian's Chromium with Playwright, kept off the network (tests and docs screenshots).

    from browser import browser_skip_reason, chromium, open_page
    with chromium() as b:
        page, requests = open_page(b, "pass.html")

Nothing here runs on import: Playwright is imported only when a browser is started.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# No sandbox (containers, root), no GPU, and nothing that talks to the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
    "--no-pings",
    "--metrics-recording-only",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # any host name fails to resolve
]


def chromium_path() -> str | None:
    """Debian's chromium: $CHROMIUM, /usr/bin/chromium, or `chromium` on PATH (None if absent)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_skip_reason() -> str | None:
    """Why the browser tests cannot run here (one line), or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -e '.[browser]')"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium)"
    if shutil.which("dot") is None:
        return "Graphviz's `dot` program is not installed (apt-get install graphviz)"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright Browser), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, path: str | os.PathLike[str], width: int = 1400,
              height: int = 900) -> tuple[Any, list[str]]:
    """Open a local file in a fresh page; returns the page and the list of every URL it
    requested (kept up to date while the page lives)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(Path(path).resolve().as_uri())
    return page, requests
