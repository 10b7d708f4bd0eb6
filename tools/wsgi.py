"""factcheck's WSGI application, each response naming the process that served
it in ``X-Served-By``: what tests/test_production.py serves, so a test can tell
it has reached every gunicorn worker. Never in production."""

import os

from factcheck.wsgi import application as site


def application(environ, start_response):
    def served_by(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Served-By", str(os.getpid()))], exc_info)

    return site(environ, served_by)
