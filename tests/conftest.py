import dataclasses
import datetime
import email
import email.message
import email.policy
import functools
import itertools
import os
import socket

import hypothesis
import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.utils import timezone

from factcheck.models import Article, Claim, Person
from factcheck.roles import EDITOR, REVIEWER
from factcheck.settings import mailer
from factcheck.statuses import Kind
from tools.server import free_port

from . import desk

# CI draws the same examples on every run, so a run fails only for a change
# in the code (a developer's runs keep exploring new ones).
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")

# pytest-playwright keeps an event loop running in the main thread; Django's ORM
# would otherwise refuse synchronous queries there (live_server teardown too).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTICLE_TEXT = (
    "Around 80,000 people received a work permit this year. "
    "Officials said the number will double by 2025.\n\n"
    "Critics disagree."
)

_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no cached pages (its database rows are rolled back
    without a signal, and their ids are reused)."""
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): write()`` runs what the write's commit would (the
    site's version moves then): a test's own transaction never commits."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def article(db):
    return Article.objects.create(
        published_at=timezone.now(),
        title="Work permits rise",
        publisher="Example Times",
        url="https://example.com/permits",
        published_on=datetime.date(2022, 10, 20),
        text=ARTICLE_TEXT,
        slug="work-permits-rise",
    )


@pytest.fixture
def speaker(db):
    return Person.objects.create(
        name="Ada Example", description="Head of the Example Institute", slug="ada-example"
    )


@pytest.fixture
def make_claim(article):
    """Create a claim quoting part of ``article``; keyword arguments override fields."""

    def make(quote="Around 80,000 people received a work permit this year.", **fields):
        start, end = article.locate(quote)
        fields.setdefault("kind", Kind.FACT)
        fields.setdefault("statement", f"Statement {next(_sequence)}")
        fields.setdefault("slug", f"claim-{next(_sequence)}")
        return Claim.objects.create(
            article=article, quote=quote, quote_start=start, quote_end=end, **fields
        )

    return make


@pytest.fixture
def fact(make_claim):
    return make_claim(slug="work-permits")


@pytest.fixture
def prediction(make_claim, speaker):
    return make_claim(
        quote="the number will double by 2025",
        kind=Kind.PREDICTION,
        speaker=speaker,
        slug="permits-will-double",
        statement="Work permits will double by 2025.",
        resolution_criteria="Official figures for 2025 show at least 160,000 permits.",
        resolve_by=datetime.date(2025, 12, 31),
    )


@pytest.fixture
def reviewer(db):
    user = get_user_model().objects.create_user("rita", password="correct horse battery")
    user.groups.add(REVIEWER.group())
    return user


@pytest.fixture
def editor(db):
    user = get_user_model().objects.create_user("edith", password="correct horse battery")
    user.groups.add(EDITOR.group())
    return user


@pytest.fixture
def other_reviewer(db):
    user = get_user_model().objects.create_user("otto", password="correct horse battery")
    user.groups.add(REVIEWER.group())
    return user


@pytest.fixture
def approver(db):
    """A second reviewer, who signs off what others propose."""
    return desk.approver()


@pytest.fixture
def set_status(approver):
    """``set_status(claim, to_status, by=user, **change)``: see tests.desk."""

    def change(claim, to_status, **fields):
        return desk.set_status(claim=claim, to_status=to_status, **fields)

    return change


@dataclasses.dataclass(frozen=True)
class ReceivedMail:
    recipients: list[str]  # the envelope's (RCPT TO), Bcc included
    message: email.message.EmailMessage


@dataclasses.dataclass
class SMTPServer:
    """A real SMTP server on 127.0.0.1, and the mails it has received, in order."""

    port: int
    received: list[ReceivedMail] = dataclasses.field(default_factory=list)

    @property
    def url(self):
        """Its EMAIL_URL, for a process of its own (a worker)."""
        return smtp_url(self.port)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(ReceivedMail(recipients=envelope.rcpt_tos, message=message))
        return "250 Message accepted for delivery"


def smtp_url(port):
    return f"smtp://127.0.0.1:{port}"


def send_mail_to(settings, url):
    """As EMAIL_URL would: through the settings' own mailer()."""
    settings.MAILERS = {"default": mailer(url)}


@pytest.fixture
def smtp_server(settings):
    """Django's mail goes, over SMTP, to a real server (aiosmtpd) for the test,
    which gets that SMTPServer: ``.received`` fills as mails arrive."""
    # aiosmtpd 1.4 cannot listen on port 0 (it then checks port 0 itself).
    server = SMTPServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    send_mail_to(settings, server.url)
    yield server
    controller.stop()


@pytest.fixture
def dead_smtp_port(settings):
    """Django's mail goes to a loopback port where no server listens (a mail
    server that is down: connections are refused); the test gets the port."""
    with socket.socket() as held:
        # Bound but not listening: refused, and no other process can take it meanwhile.
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        send_mail_to(settings, smtp_url(port))
        yield port
