"""factcheck.tasks: a mail enqueued by a web write reaches a real SMTP server, at
once with the test suite's immediate backend, and through the database and
`manage.py db_worker` as in production."""

from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist

from factcheck.tasks import send_email
from tools.server import manage, site_env

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

REMINDER = {
    "subject": "Due today: “Work permits will double by 2025”",
    "body": "The prediction resolves today.\nhttps://facts.example.org/review/",
    "to": ["rita@example.org", "otto@example.org"],
}


def database_url():
    """The test database's URL, for a process of its own."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    return (
        f"postgres://{quote(database['USER'])}:{quote(database['PASSWORD'], safe='')}"
        f"@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )


@pytest.mark.django_db
def test_a_mail_enqueued_in_a_write_reaches_the_smtp_server(smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "factcheck@example.org"
    with transaction.atomic():
        result = send_email.enqueue(**REMINDER, html_body="<p>The prediction resolves today.</p>")

    assert result.status == TaskResultStatus.SUCCESSFUL
    [mail] = smtp_server.received
    assert mail.recipients == REMINDER["to"]
    assert mail.message["Subject"] == REMINDER["subject"]
    assert mail.message["From"] == "factcheck@example.org"
    assert mail.message["To"] == "rita@example.org, otto@example.org"
    # As sent over SMTP: CRLF line endings.
    text = mail.message.get_body(("plain",)).get_content()
    assert text.splitlines() == REMINDER["body"].splitlines()
    html = mail.message.get_body(("html",)).get_content()
    assert html.splitlines() == ["<p>The prediction resolves today.</p>"]


@pytest.mark.django_db
def test_a_mail_server_that_is_down_fails_the_task_not_the_caller(dead_smtp_port):
    result = send_email.enqueue(**REMINDER)

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is ConnectionRefusedError


@pytest.mark.django_db
def test_a_write_that_rolls_back_takes_its_mail_with_it(settings):
    settings.TASKS = DATABASE_TASKS

    with pytest.raises(RuntimeError), transaction.atomic():
        result = send_email.enqueue(**REMINDER)
        raise RuntimeError("the write fails")

    with pytest.raises(TaskResultDoesNotExist):
        send_email.get_result(result.id)


# The worker is a process of its own, as in production: it sees committed rows only.
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_what_a_committed_write_enqueued(settings, smtp_server, tmp_path):
    settings.TASKS = DATABASE_TASKS
    with transaction.atomic():
        result = send_email.enqueue(**REMINDER)

    stored = send_email.get_result(result.id)
    assert stored.status == TaskResultStatus.READY
    assert stored.kwargs == REMINDER
    assert smtp_server.received == []

    worker = site_env(tmp_path, database_url=database_url())
    worker["EMAIL_URL"] = smtp_server.url
    manage(worker, "db_worker", "--batch", "--no-startup-delay", "--worker-id", "test-worker")

    [mail] = smtp_server.received
    assert mail.recipients == REMINDER["to"]
    assert mail.message["Subject"] == REMINDER["subject"]
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids == ["test-worker"]
    assert result.finished_at is not None
