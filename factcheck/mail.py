"""Whether the site can send mail (the settings build its mailer from EMAIL_URL)."""

from django.core.mail import mailers


def mail_is_configured():
    """True when there is a default mailer: EMAIL_URL is set, or debug is on (each
    mail printed on the console). In production without EMAIL_URL there is none,
    and a command that sends mail should stop and say that EMAIL_URL is not set."""
    return "default" in mailers
