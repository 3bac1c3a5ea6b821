"""The built site in a real browser: Debian's Chromium, headless, driven by
Playwright.

The docs are built into a temporary directory and served on 127.0.0.1. The guide
(``workers.html``) must show its snippets, a click on a format tab must switch every
tab set on the page, each copy button must put exactly its snippet on the
clipboard, and the page must log no error. The browser may talk to the test's own
server only: every other request is aborted and fails the test.

Screenshots go to ``tests/artifacts/``. Without ``/usr/bin/chromium`` or the
``playwright`` package the tests skip, except under CI, where Chromium is installed
by ``.ci/run`` and a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import re
import runpy
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
GUIDE = "workers.html"

#: Debian's Chromium. The tests use this browser and never download one.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # No host name resolves: whatever the browser itself might want to fetch,
    # beyond the pages' own requests that the route below aborts, goes nowhere.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

#: Highlight languages whose prompts copybutton is meant to strip.
PROMPT_LANGUAGES = {"console", "pycon", "doscon", "ps1con", "shell-session"}

#: At least this many tab sets on the guide, so that one click can be seen
#: switching another set.
MIN_TAB_SETS = 2

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests",
        allow_module_level=True,
    )
try:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Error,
        Locator,
        Page,
        Playwright,
        Request,
        Response,
        Route,
        sync_playwright,
    )
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip(
        "the playwright package is missing: install the package's 'test' extra",
        allow_module_level=True,
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs built as ``nox -s docs`` builds them, into a temporary directory.

    Warnings do not fail this build (the docs session fails on them); a build that
    stops with an error does.
    """
    outdir = tmp_path_factory.mktemp("site") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(DOCS), str(outdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"the docs did not build:\n{result.stderr}"
    assert (outdir / GUIDE).is_file(), f"the build wrote no {GUIDE}"
    return outdir


@pytest.fixture(scope="module")
def origin(site: Path) -> Iterator[str]:
    """Serve the site on 127.0.0.1, on a port the system picks, until the tests end."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@dataclass
class Watch:
    """What went wrong while a page was open: anything here fails the test."""

    origin: str
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and (
            f"{parts.scheme}://{parts.netloc}" == self.origin
        ):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("blockedbyclient")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({where})")

    def page_error(self, error: Error) -> None:
        self.page_errors.append(str(error))

    def response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def request_failed(self, request: Request) -> None:
        if request.url not in self.outside:
            self.failed.append(f"{request.failure} {request.url}")

    def check(self) -> None:
        assert self.outside == [], (
            "the page asked for something that is not on the site (aborted): "
            f"{self.outside}"
        )
        assert self.failed == [], f"requests that failed: {self.failed}"
        assert self.page_errors == [], f"uncaught errors: {self.page_errors}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


@pytest.fixture
def watch(origin: str) -> Watch:
    return Watch(origin)


@pytest.fixture
def page(browser: Browser, origin: str, watch: Watch) -> Iterator[Page]:
    """A fresh page that reaches nothing but the site, with clipboard access."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    context.route("**/*", watch.route)
    opened = context.new_page()
    opened.on("console", watch.console)
    opened.on("pageerror", watch.page_error)
    opened.on("response", watch.response)
    opened.on("requestfailed", watch.request_failed)
    try:
        yield opened
    finally:
        context.close()


def open_guide(page: Page, origin: str) -> None:
    # Pages are left only once the network is idle, so that no late request of
    # theirs (the icon, say) is cancelled by the next navigation and reported.
    page.goto(f"{origin}/{GUIDE}", wait_until="networkidle")
    # sphinx-copybutton adds its buttons once its clipboard library has loaded.
    page.wait_for_function(
        "document.querySelectorAll('div.highlight pre').length"
        " === document.querySelectorAll('div.highlight button.copybtn').length"
    )
    page.evaluate("document.fonts.ready.then(() => true)")


def screenshot(target: Page | Locator, name: str, **options: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    target.screenshot(path=str(path), animations="disabled", **options)
    return path


def tab_sets(page: Page) -> list[Locator]:
    return page.locator("div.sphinx-tabs").all()


def set_state(tab_set: Locator) -> dict[str, Any]:
    """Which tab a set has selected and which of its panels show."""
    state: dict[str, Any] = tab_set.evaluate(
        """set => {
            const tabs = Array.from(
                set.querySelectorAll(':scope > [role=tablist] > [role=tab]'));
            const panels = Array.from(
                set.querySelectorAll(':scope > [role=tabpanel]'));
            return {
                names: tabs.map(t => t.getAttribute('name')),
                labels: tabs.map(t => t.textContent.trim()),
                selected: tabs.filter(t => t.getAttribute('aria-selected') === 'true')
                              .map(t => t.getAttribute('name')),
                shown: panels.filter(p => !p.hasAttribute('hidden'))
                             .map(p => p.getAttribute('name')),
                panels: panels.map(p => p.getAttribute('name')),
            };
        }"""
    )
    return state


def assert_showing(tab_set: Locator, index: int, name: str) -> None:
    state = set_state(tab_set)
    assert state["selected"] == [name], f"tab set {index}: selected {state}"
    assert state["shown"] == [name], f"tab set {index}: panels shown {state}"
    for panel in tab_set.locator(":scope > [role=tabpanel]").all():
        visible = panel.locator("pre").first.is_visible()
        assert visible == (panel.get_attribute("name") == name), (
            f"tab set {index}: panel {panel.get_attribute('name')} "
            f"{'shows' if visible else 'hides'} its snippet, expected {name}"
        )


def copybutton_settings() -> dict[str, Any]:
    """sphinx-copybutton's settings as docs/conf.py leaves them, defaults filled in."""
    conf = runpy.run_path(str(DOCS / "conf.py"))
    defaults = {
        "copybutton_prompt_text": "",
        "copybutton_prompt_is_regexp": False,
        "copybutton_only_copy_prompt_lines": True,
        "copybutton_remove_prompts": True,
        "copybutton_copy_empty_lines": True,
        "copybutton_line_continuation_character": "",
        "copybutton_here_doc_delimiter": "",
        "copybutton_exclude": ".linenos",
    }
    return {key: conf.get(key, value) for key, value in defaults.items()}


def expected_copy(text: str, settings: dict[str, Any]) -> str:
    """What sphinx-copybutton 0.5 puts on the clipboard for a snippet's text.

    If any line starts with a prompt, only prompted lines (and, by default, empty
    ones) are copied, prompts removed; otherwise the text is copied whole. Either
    way one trailing newline is dropped, so that a paste does not run the last
    command.
    """
    prompt = settings["copybutton_prompt_text"]
    if not settings["copybutton_prompt_is_regexp"]:
        prompt = re.escape(prompt)
    pattern = re.compile(f"^({prompt})(.*)")
    continuation = settings["copybutton_line_continuation_character"]
    here_doc = settings["copybutton_here_doc_delimiter"]
    lines: list[str] = []
    prompted: list[bool] = []
    in_continuation = in_here_doc = False
    for line in text.split("\n"):
        match = pattern.match(line)
        if match or in_continuation or in_here_doc:
            prompted.append(match is not None)
            if settings["copybutton_remove_prompts"] and match:
                lines.append(match.group(2))
            else:
                lines.append(line)
            in_continuation = bool(continuation) and line.endswith(continuation)
            if here_doc and here_doc in line:
                in_here_doc = not in_here_doc
        elif not settings["copybutton_only_copy_prompt_lines"] or (
            settings["copybutton_copy_empty_lines"] and line.strip() == ""
        ):
            lines.append(line)
    if any(prompted):
        text = "\n".join(lines)
    return text.removesuffix("\n")


def test_expected_copy_follows_copybuttons_rules() -> None:
    """The model of copybutton used below, on texts with and without prompts."""
    settings = copybutton_settings()
    assert expected_copy("a: 1\nb: 2\n", settings) == "a: 1\nb: 2"
    assert expected_copy("$ ls\nout\n\n$ pwd\n", settings) == "ls\n\npwd"
    assert expected_copy(">>> 1 + 1\n2\n", settings) == "1 + 1"
    assert expected_copy("x = '$ '\n", settings) == "x = '$ '"


def test_guide_shows_its_snippets(page: Page, origin: str, watch: Watch) -> None:
    open_guide(page, origin)
    assert page.title().startswith("Deploying task workers")
    # The theme's stylesheet applied: the sidebar is there and the text column is
    # the width docs/_static/custom.css gives it.
    assert page.locator("nav.wy-nav-side").is_visible()
    assert page.locator(".wy-nav-content").evaluate(
        "e => getComputedStyle(e).maxWidth"
    ) == ("960px")

    blocks = page.locator("div.highlight pre").all()
    assert len(blocks) >= 4, f"the guide shows {len(blocks)} code blocks"
    shown = [pre for pre in blocks if pre.is_visible()]
    assert shown, "no snippet is visible"
    for pre in shown:
        box = pre.bounding_box()
        assert box is not None and box["height"] > 10 and box["width"] > 100
        assert pre.inner_text().strip(), "a snippet shows no text"

    # The deployment snippets the guide names, rendered by the directive.
    for listing in ("worker-deploy-steps", "worker-deploy-workflow"):
        snippet = page.locator(f"[id='{listing}'] div.highlight pre")
        assert snippet.is_visible(), f"listing {listing} is not shown"
        assert "google-github-actions/deploy-cloudrun@" in snippet.inner_text()
    # Emphasized lines are highlighted.
    assert page.locator("[id='worker-deploy-steps'] span.hll").count() >= 3

    screenshot(page, "guide.png", full_page=True)
    first = page.locator("[id='worker-deploy-steps']")
    first.scroll_into_view_if_needed()
    screenshot(page, "guide-first-snippet.png")

    # A phone-sized window: the theme moves the menu behind a top bar, and the
    # snippet scrolls sideways inside the column.
    page.set_viewport_size({"width": 412, "height": 915})
    page.reload(wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.locator("nav.wy-nav-top").is_visible()
    narrow = page.locator("[id='worker-deploy-steps'] div.highlight pre")
    assert narrow.is_visible()
    page.locator("[id='worker-deploy-steps']").scroll_into_view_if_needed()
    screenshot(page, "guide-narrow.png")
    watch.check()


def test_the_browser_finds_an_icon(page: Page, origin: str, watch: Watch) -> None:
    """A page that names no icon makes the browser ask for /favicon.ico, and a 404
    there is an error in the reader's console.

    Chromium makes no such request while requests are intercepted, as they are
    here, so the console check alone cannot see it: check for the icon itself.
    """
    open_guide(page, origin)
    icons = page.locator("link[rel~='icon']")
    if icons.count():
        href = icons.first.evaluate("link => link.href")
    else:
        href = f"{origin}/favicon.ico"
    response = page.request.get(href)
    assert response.ok, (
        f"the guide names no icon and {href} answers {response.status}: a reader's "
        "browser logs that as a console error; set html_favicon in docs/conf.py"
    )
    watch.check()


def click_tab(page: Page, index: int, name: str) -> None:
    """Click tab ``name`` in tab set ``index``, then check every set: each one that
    has that format shows it, every other one is left as it was."""
    sets = tab_sets(page)
    before = [set_state(tab_set) for tab_set in sets]
    sets[index].locator(f":scope > [role=tablist] > [role=tab][name='{name}']").click()
    for number, (tab_set, state) in enumerate(zip(sets, before, strict=True)):
        if name in state["names"]:
            assert_showing(tab_set, number, name)
        else:
            assert set_state(tab_set) == state, f"tab set {number} changed"


def test_a_format_tab_switches_every_tab_set(
    page: Page, origin: str, watch: Watch
) -> None:
    open_guide(page, origin)
    sets = tab_sets(page)
    assert len(sets) >= MIN_TAB_SETS, (
        f"the guide ({GUIDE}) has {len(sets)} tab set(s): add at least "
        f"{MIN_TAB_SETS} gcpdeploy-tabs directives to docs/workers.rst so that "
        "switching one set can be seen to switch the others"
    )
    states = [set_state(tab_set) for tab_set in sets]
    for index, state in enumerate(states):
        assert len(state["names"]) >= 2, f"tab set {index} has one tab: {state}"
        assert state["names"] == state["panels"], f"tab set {index}: {state}"
        assert state["selected"] == state["shown"] == state["names"][:1], (
            f"tab set {index} does not open on its first tab: {state}"
        )

    # A format that two sets offer, and that at least one of them, other than
    # the one clicked, does not show yet: clicking it there must switch that set.
    choice = None
    for state in states:
        for name in state["names"]:
            having = [i for i, s in enumerate(states) if name in s["names"]]
            moving = [i for i in having if states[i]["names"][0] != name]
            if len(having) >= 2 and moving:
                other = moving[-1]
                start = next(i for i in having if i != other)
                choice = (name, start, other)
                break
        if choice:
            break
    assert choice is not None, (
        "no two tab sets on the guide share a format that one of them does not "
        "open on, so a click cannot be seen to switch another set: "
        f"{[state['labels'] for state in states]}"
    )
    name, start, other = choice
    label = states[start]["labels"][states[start]["names"].index(name)]

    click_tab(page, start, name)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    screenshot(page, f"guide-tab-{slug}.png", full_page=True)
    sets[other].scroll_into_view_if_needed()
    screenshot(sets[other], f"guide-tab-{slug}-set-{other}.png")

    # And back, from the other set; then the chosen format once more.
    click_tab(page, other, states[other]["names"][0])
    click_tab(page, other, name)

    # sphinx-tabs keeps the choice for the session: a reload shows the same format.
    page.reload(wait_until="networkidle")
    for index, tab_set in enumerate(tab_sets(page)):
        if name in states[index]["names"]:
            assert_showing(tab_set, index, name)
    watch.check()


def test_copy_buttons_copy_exactly_the_snippet(
    page: Page, origin: str, watch: Watch
) -> None:
    settings = copybutton_settings()
    open_guide(page, origin)
    blocks = page.locator("div.highlight").all()
    assert blocks, "the guide has no code blocks"
    for index, block in enumerate(blocks):
        pre = block.locator(":scope > pre")
        panel = block.locator("xpath=ancestor::*[@role='tabpanel'][1]")
        if panel.count() and not pre.is_visible():
            tab_id = panel.get_attribute("aria-labelledby")
            page.locator(f"[id='{tab_id}']").click()
        assert pre.is_visible(), f"code block {index} is not shown"

        # Everything the reader sees in the block (excluded nodes, such as line
        # numbers, taken out as copybutton takes them out).
        text: str = pre.evaluate(
            """(pre, exclude) => {
                const copy = pre.cloneNode(true);
                if (exclude) copy.querySelectorAll(exclude).forEach(n => n.remove());
                return copy.textContent;
            }""",
            settings["copybutton_exclude"],
        )
        assert text.strip(), f"code block {index} is empty"
        expected = expected_copy(text, settings)
        language = block.evaluate(
            "b => (b.parentElement.className.match(/highlight-(\\S+)/) || [])[1] || ''"
        )
        if language not in PROMPT_LANGUAGES:
            # No prompt handling applies: every line of the snippet is copied, as
            # shown, minus only the final newline.
            assert expected == text.removesuffix("\n"), (
                f"code block {index} ({language}) has a line that looks like a "
                f"prompt, so copybutton would copy only part of it:\n{text}"
            )

        page.evaluate("navigator.clipboard.writeText('(nothing copied yet)')")
        block.hover()
        button = block.locator(":scope > button.copybtn")
        button.click()
        # copybutton says so on the button for two seconds, and only on success.
        tooltip = button.get_attribute("data-tooltip")
        assert tooltip == "Copied!", f"code block {index}: the button says {tooltip}"
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == expected, f"code block {index} ({language}) copied wrongly"
        if block.locator("xpath=ancestor::*[@id='worker-deploy-steps']").count():
            screenshot(page, "guide-copied.png")
    watch.check()


def test_every_page_loads_without_errors(
    page: Page, origin: str, site: Path, watch: Watch
) -> None:
    """Every page of the site, not only the guide: nothing outside the site is
    asked for, nothing fails to load, nothing is logged as an error."""
    pages = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    assert GUIDE in pages
    for name in pages:
        page.goto(f"{origin}/{name}", wait_until="networkidle")
        assert page.locator("div.document").count() == 1, f"{name} has no body"
    watch.check()
