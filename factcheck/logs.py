import logging


class ConflictsAreInfo(logging.Filter):
    """An edit conflict (409) is the optimistic lock doing its job, and the
    reviewer is shown it; django.request would log each as a warning, which
    under real use buries the warnings that matter. Logged at INFO instead."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 409:
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class OneLineWarning(logging.Filter):
    """A refused request (a bad Host, an oversized form) is the client's doing,
    answered with a 400: one line at WARNING, without Django's traceback."""

    def filter(self, record):
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True
