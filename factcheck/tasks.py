"""Background tasks, on Django's tasks framework. In production they are rows in
the database (django-tasks-db), run by `manage.py db_worker`.

Mail caused by a web request goes through a task: the request only writes the
task's row, and the worker talks to the mail server, so a slow or unreachable
mail server never slows or fails a page. Enqueued inside the request's
transaction, the row commits or rolls back with the write that caused it: a
mail goes out only for a write that happened, and only once it is committed.
There are no retries: a send that fails leaves its row FAILED, with the
traceback (in the admin's Task Results).
"""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def send_email(*, subject, body, to, html_body=None):
    """Send one mail from DEFAULT_FROM_EMAIL to the addresses in ``to``: ``body``
    as plain text, and ``html_body``, if given, as its HTML alternative. The
    arguments are stored as JSON until the worker runs the task."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()
