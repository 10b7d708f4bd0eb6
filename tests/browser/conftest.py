"""Real-browser tests: Playwright drives Debian's Chromium against live_server.

Without Chromium these tests skip with a message saying how to install it,
except where FACTCHECK_REQUIRE_BROWSER=1 (CI), where they fail instead. On every
page they watch for console errors, failed requests and CSP violations, an
axe-core scan must find no serious or critical accessibility problem, the page
must fit a phone's width, no link's text may break inside a word, and every
ARIA reference must point at an element that exists.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from factcheck.models import Claim
from factcheck.roles import REVIEWER
from factcheck.services import add_source
from tests.desk import set_status

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery"
PERMITS = "80000-russians-received-work-permits"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def require_chromium():
    if not Path(CHROMIUM).is_file():
        message = (
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
            "(never `playwright install`), or set CHROMIUM to its path."
        )
        if os.environ.get("FACTCHECK_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args, request):
    if request.node.get_closest_marker("no_javascript"):
        return {**browser_context_args, "java_script_enabled": False}
    return browser_context_args


@pytest.fixture(scope="session")
def axe():
    return Axe()


class Watcher:
    """Collects what a user would see go wrong on a page."""

    def __init__(self, page, allowed_statuses=()):
        self.problems = []
        self.allowed_statuses = set(allowed_statuses)
        # Recorded from inside the page: an init script is not subject to the CSP.
        page.add_init_script(
            "window.__cspViolations = [];"
            "document.addEventListener('securitypolicyviolation', e =>"
            " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.on("console", self.on_console)
        page.on("requestfailed", self.on_request_failed)
        page.on("response", self.on_response)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def on_console(self, message):
        if message.type != "error":
            return
        status = re.search(r"status of (\d{3})", message.text)
        if status and int(status.group(1)) in self.allowed_statuses:
            return
        where = message.page.url if message.page else "?"
        self.problems.append(f"console error on {where}: {message.text} ({message.location})")

    def on_request_failed(self, request):
        # A request the browser itself cancelled (by navigating on) is not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_response(self, response):
        if response.status >= 400 and response.status not in self.allowed_statuses:
            self.problems.append(f"HTTP {response.status}: {response.url}")


# What a reader would find wrong with a page's layout, as a script run in the page.
LAYOUT_PROBLEMS = (Path(__file__).parent / "layout_problems.js").read_text()


class Site:
    """A browser tab on the live server, checked on every page it visits."""

    def __init__(self, page, base_url, axe, javascript=True):
        self.page = page
        self.javascript = javascript
        self.base_url = base_url
        self.axe = axe
        self.watcher = Watcher(page)
        page.set_default_timeout(10_000)

    def open(self, path):
        self.page.goto(self.base_url + path)
        self.check()

    def check(self):
        """Scan the page as it stands now: CSP, accessibility, layout on a phone and a desktop."""
        self.page.wait_for_load_state("load")
        if not self.javascript:
            return  # the checks run scripts in the page; the same pages get them with JS on
        viewport = self.page.viewport_size
        for size in (PHONE, DESKTOP):
            self.page.set_viewport_size(size)
            problems = self.page.evaluate(LAYOUT_PROBLEMS)
            assert problems == [], f"layout at {size['width']}px on {self.page.url}: {problems}"
        self.page.set_viewport_size(viewport)
        violations = self.page.evaluate("window.__cspViolations || []")
        assert violations == [], f"CSP violations on {self.page.url}: {violations}"
        results = self.axe.run(self.page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"accessibility problems on {self.page.url}: {serious}"

    def allow_status(self, *statuses):
        self.watcher.allowed_statuses.update(statuses)

    def log_in(self, username, password=PASSWORD, next_path="/review/"):
        self.open(f"/accounts/login/?next={next_path}")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(f"**{next_path}")
        self.check()

    def mark_page(self):
        """Tag this document; the tag survives htmx swaps but not a reload."""
        self.page.evaluate("window.__notReloaded = true")

    def assert_not_reloaded(self):
        assert self.page.evaluate("window.__notReloaded === true"), "the page reloaded"

    def screenshot(self, name):
        SCREENSHOTS.mkdir(exist_ok=True)
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(viewport)
            self.page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        self.page.set_viewport_size(DESKTOP)

    def assert_clean(self):
        assert self.watcher.problems == [], "\n".join(self.watcher.problems)


@pytest.fixture
def site(page, live_server, axe, request):
    page.set_viewport_size(DESKTOP)
    javascript = not request.node.get_closest_marker("no_javascript")
    site = Site(page, live_server.url, axe, javascript=javascript)
    yield site
    site.assert_clean()


@pytest.fixture
def second_site(browser, live_server, axe):
    """Another reviewer, in a browser context of their own."""
    context = browser.new_context(viewport=DESKTOP)
    site = Site(context.new_page(), live_server.url, axe)
    yield site
    site.assert_clean()
    context.close()


def make_reviewer(username):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(REVIEWER.group())
    return user


@pytest.fixture
def seeded():
    """The real seeded article, with one fact checked and sourced."""
    call_command("seed_claims", verbosity=0)
    desk = make_reviewer("desk")
    permits = Claim.objects.get(slug=PERMITS)
    add_source(
        claim=permits,
        by=desk,
        url="https://stats.example.gov/kz/work-permits-2022",
        title="Work permits issued to foreign citizens, 2022",
        publisher="Bureau of National Statistics",
        stance="supports",
        note="Permits issued to Russian citizens, February to October 2022.",
        reason="A better source came out.",
    )
    set_status(
        claim=permits,
        to_status="mostly_accurate",
        rationale="Official figures show about 79,000 permits by October.",
        by=desk,
        expected_version=1,
        summary="Close to the official count.",
    )
    return {"desk": desk, "permits": permits}
