"""Regenerate the images the README shows: `python docs/make_images.py` from the repository.

docs/neuron.svg           the README's neuron, drawn by stepgrad.draw at step 3 of its backward
                          pass (needs Graphviz's `dot`)
docs/walkthrough-xor.png  the walkthrough page of the XOR network's loss over its 4 samples,
                          mid-pass, screenshotted in headless Chromium with the same browser
                          helper the tests use (tests/browser.py; needs Playwright + chromium)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from graphs import neuron, xor_loss  # noqa: E402  (tests/graphs.py: the same graphs the tests use)

from stepgrad import draw, walkthrough  # noqa: E402

XOR_STEP = 40  # the step the screenshot shows, out of 228


def neuron_svg(path: Path) -> None:
    """The README's example graph, with the 3rd step of its backward pass highlighted."""
    o = neuron()
    steps = o.backward_steps(); next(steps); next(steps); next(steps)  # noqa: E702
    path.write_text(draw(o, steps).pipe("svg", encoding="utf-8"), encoding="utf-8")


def walkthrough_png(path: Path) -> None:
    """A screenshot of the XOR walkthrough page at step XOR_STEP, zoomed out a little."""
    from browser import browser_skip_reason, chromium, open_page

    reason = browser_skip_reason()
    if reason:
        raise SystemExit(f"cannot take the screenshot: {reason}")
    with tempfile.TemporaryDirectory() as tmp:
        page_file = walkthrough(xor_loss(), Path(tmp) / "xor.html",
                                title="XOR network: backward pass of the loss over 4 samples")
        with chromium() as browser:
            page, requests = open_page(browser, page_file, width=1400, height=860)
            page.keyboard.press("-")  # zoom out one notch: more of the network in view
            for _ in range(XOR_STEP):
                page.keyboard.press("ArrowRight")
            page.screenshot(path=str(path))
            assert requests == [page_file.resolve().as_uri()], requests


if __name__ == "__main__":
    neuron_svg(DOCS / "neuron.svg")
    print("wrote docs/neuron.svg")
    walkthrough_png(DOCS / "walkthrough-xor.png")
    print("wrote docs/walkthrough-xor.png")
