"""Browser tests: the real app served on 127.0.0.1 and driven by headless Chromium.

The server is werkzeug's, in a thread of the test process, serving the session `app` fixture
(tests/conftest.py), so it uses this run's migrated database and demo users, and the
`clean_database` fixture empties it after each test as for every other test.

Chromium is Debian's (/usr/bin/chromium, installed by `make test`); Playwright only drives
it and never downloads a browser of its own. If Chromium is missing the tests fail: they
never skip for that.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import DEMO_PASSWORD, ROOT

CHROMIUM = os.environ.get("PANELFLOW_CHROMIUM", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# `make screenshots` refreshes the README's pictures in docs/screenshots; an ordinary test
# run writes them to a temporary folder so it leaves the working tree clean.
SCREENSHOTS = Path(os.environ.get("PANELFLOW_SCREENSHOTS_DIR")
                   or Path(tempfile.gettempdir()) / "panelflow-screenshots")
SAMPLES = json.loads((ROOT / "tests" / "pathways" / "marp_samples.json").read_text())
# The flags that work on this kind of machine (a closed network, running as root).
# Playwright itself adds --headless and a new, empty --user-data-dir for each launch.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole run."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium is needed for the browser tests and {CHROMIUM} is missing. "
                    "Install Debian's package (`apt-get install chromium`; `make test` does "
                    "this), or set PANELFLOW_CHROMIUM to its path.", pytrace=False)
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make install` (npm ci installs axe-core).",
                    pytrace=False)
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only for this suite

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium, live_server):
    """Make pages, each in its own browser context (its own cookies), closed after the test."""
    contexts = []

    def make():
        context = chromium.new_context(base_url=live_server, locale="en-GB",
                                       viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: _console(problems, msg))
        page.on("response", lambda response: _missing_asset(problems, response))
        page.problems = problems  # JavaScript errors seen, checked by the tests
        return page

    yield make
    for context in contexts:
        context.close()


def _missing_asset(problems: list[str], response) -> None:
    """A page's own CSS, script, image or font that is not there (a font the CSS asks for
    and the app does not serve was one: every page's console showed its 404)."""
    if response.status == 404 and "/assets/" in response.url:
        problems.append(f"missing asset: {response.url}")


def _console(problems: list[str], msg) -> None:
    # "Failed to load resource" is Chromium reporting an HTTP status: the 422 of a form with
    # errors is meant; a missing asset is caught apart, by _missing_asset.
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        problems.append(f"console {msg.type}: {msg.text} ({(msg.location or {}).get('url')})")


# --- helpers used by the tests ----------------------------------------------------------------

def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


def sign_out(page) -> None:
    page.get_by_role("button", name=re.compile(r"^Sign out")).click()
    page.wait_for_url(re.compile(r"/login"))


def start_marp(page, child_ref: str, name: str, one_page: bool = True) -> None:
    """From any signed-in page: Start a request → MARP → Start → the child → Start request.

    The request opens as a task list of sections; `one_page` goes on to its one-page view
    (every question on one form), which the tests of drafts and journeys fill in."""
    page.get_by_role("link", name="Start a request", exact=True).click()
    page.wait_for_url(re.compile(r"/start$"))
    page.get_by_role("button", name=re.compile(r"Start a Multi-Agency Resource Panel")).click()
    page.get_by_label("Child's reference").fill(child_ref)
    page.get_by_label("Child's full name").fill(name)
    page.get_by_role("button", name="Start request").click()
    page.wait_for_url(re.compile(r"/tasks/\w+(\?.*)?$"))
    if one_page:
        page.get_by_role("link", name="Answer all the questions on one page").click()
        page.wait_for_url(re.compile(r"/tasks/\w+\?view=all$"))


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools, not as a <script> tag: the pages' Content-Security-Policy
        # (rightly) refuses inline script, and the test must not weaken it.
        page.evaluate(AXE_JS.read_text() + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, (f"axe found {len(violations)} WCAG 2.2 AA problem(s) on {what} "
                            f"({page.url}):\n{describe_violations(violations)}")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path
