"""Settings for the test suite: the project's own, with test-only speed-ups."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Absolute URLs as the test client's own requests would have built them.
os.environ.setdefault("FACTCHECK_SITE_URL", "http://testserver")

from factcheck.settings import *  # noqa: E402, F403
from factcheck.settings import BASE_DIR, DATABASES  # noqa: E402

# The test client and live_server speak plain HTTP; the production behaviour
# (redirects, secure cookies, HSTS) is tested against gunicorn instead.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# PBKDF2 costs ~0.3 s a hash on these machines; tests do not need the strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Whitenoise's manifest storage needs collectstatic; plain storage serves as is.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# In-memory SQLite cannot show WAL or two connections racing: use a file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "db-test.sqlite3")}

# Serve static files straight from the finders, as in development (no collectstatic).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# One process: in-memory caches are shared by the client and live_server alike.
CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": alias}
    for alias in ("default", "pages")
}

# A mailer even where production would have none (no EMAIL_URL): Django's test
# set-up keeps its mails in django.core.mail.outbox (pytest-django's mailoutbox);
# the smtp_server fixture sends them to a real SMTP server instead.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# Tasks run at once, inside the enqueueing code; tests/test_tasks.py runs the
# database backend and its worker as production does.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
