"""Settings for factcheck, read from the environment.

DJANGO_DEBUG          "1"/"true" turns debug on (off by default).
DJANGO_SECRET_KEY     required unless debug is on.
DJANGO_ALLOWED_HOSTS  comma-separated host names (required unless debug is on).
DJANGO_STATIC_ROOT    where collectstatic puts files (default: staticfiles/).
DJANGO_TRUSTED_PROXY_COUNT  proxies in front that append to X-Forwarded-For (login throttling).
DATABASE_URL          any dj-database-url URL; default: SQLite file db.sqlite3 in the project.
DJANGO_CACHE_DIR      where the public pages are cached (default: .cache/pages/ in the project;
                      with debug on and this unset, pages are not cached).
CACHE_URL             redis://… to share that cache between machines instead.
FACTCHECK_SHARED_CACHE_SECONDS  how long nginx or a CDN may keep a public page (default 5).
FACTCHECK_SITE_URL    the site's address, for absolute URLs (default: https:// and the first
                      allowed host; http://127.0.0.1:8000 with debug on).
FACTCHECK_SIGNOFF     "0" lets one reviewer publish a final status alone (a desk of one);
                      by default a second reviewer approves it.
FACTCHECK_PUBLIC_NAMES  "0" credits "the desk" on public pages instead of reviewers' names.
EMAIL_URL             the mail server, a dj-email-url URL (smtp://user:pass@host:587/?tls=True);
                      unset: mails are printed on the console with debug on, else none is sent.
EMAIL_TIMEOUT         seconds to wait for the mail server (default 10).
DJANGO_DEFAULT_FROM_EMAIL  the sender of the site's mails (default factcheck@localhost).
FACTCHECK_DESK_EMAIL  the desk's shared address (default: none).
FACTCHECK_READER_MESSAGES_PER_HOUR  messages (error reports, suggestions) one client
                      address may send in an hour (default 5; IPv6: per /64).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(for local development, set DJANGO_DEBUG=1 or use `make run`)."
        )
    SECRET_KEY = "django-insecure-development-only-never-use-in-production"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off: the host names this "
        "site answers to, separated by commas (for example facts.example.org)."
    )

INSTALLED_APPS = [
    "factcheck",
    "factcheck.apps.DeskAdminConfig",  # Django's admin, on the desk's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",  # its sitemap.xml and sitemap_index.xml templates
    "django_htmx",
    "simple_history",
    "axes",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads request.POST (CSRF does), while the raw body is there.
    "factcheck.middleware.strict_utf8_forms",
    # Outside the session and CSRF middleware, to see the cookies they set.
    "factcheck.middleware.private_unless_public",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Attributes admin edits to the signed-in user in the audit trail.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# A strict policy: only our own scripts, styles and images; no inline code, no
# eval. No nonces either: a nonce would make every copy of a public page unique,
# and those pages are cached and shared (htmx is a file from 'self').
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "factcheck.context_processors.site",
            ],
        },
    },
]


def sqlite_database(path):
    """SQLite set up for concurrent use: WAL, IMMEDIATE writes, a busy timeout."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Keep connections between requests: opening one (and its pragmas) costs
        # more than most pages' queries.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # BEGIN IMMEDIATE takes the write lock up front, so a second writer waits
            # (up to the timeout) instead of failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL and not DATABASE_URL.startswith("sqlite"):
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    }
elif DATABASE_URL:
    DATABASES = {"default": sqlite_database(dj_database_url.parse(DATABASE_URL)["NAME"])}
else:
    DATABASES = {"default": sqlite_database(BASE_DIR / "db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Production hardening (all on unless debug is) ---------------------------
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto; plain HTTP is
# redirected to HTTPS, and cookies only travel over HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
# htmx reads the CSRF token from the page, never from the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # HSTS preloading commits the whole domain, for months, to HTTPS in every
    # browser; that is the operator's decision for their domain, not ours.
    "security.W021",
]

# Refuse oversized requests (400) before they reach a form. The largest honest
# one is an article taken in: up to 200,000 characters pasted (800 KB of UTF-8
# at most) or a 1 MB file; every other form is a few tens of kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# The public pages (factcheck.caching): each process keeps its own copies
# ("pages"), under the site's version, which every app-server process must
# read from the same place ("default"), or one would keep serving a page
# another had just changed: a file on one machine; Redis
# (CACHE_URL=redis://cache:6379/0, needs the redis package) across several.
if DEBUG and "DJANGO_CACHE_DIR" not in os.environ and not os.environ.get("CACHE_URL"):
    # Development: pages rendered afresh each time, so template edits show at once.
    CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        for alias in ("default", "pages")
    }
else:
    CACHES = {
        "default": (
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ["CACHE_URL"],
            }
            if os.environ.get("CACHE_URL")
            else {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": os.environ.get("DJANGO_CACHE_DIR", BASE_DIR / ".cache/pages"),
            }
        ),
        # Pages are tens of kilobytes, the sitemap about 100 bytes a public
        # record; the exports, far larger, stream uncached.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
    }
# How long a shared cache in front (nginx, a CDN) may keep a public page; 0: never.
FACTCHECK_SHARED_CACHE_SECONDS = int(os.environ.get("FACTCHECK_SHARED_CACHE_SECONDS", "5"))
# Written by collectstatic: pages rendered by one release are never served by the next.
RELEASE_FILE = STATIC_ROOT / "release.txt"
FACTCHECK_RELEASE = RELEASE_FILE.read_text().strip() if RELEASE_FILE.is_file() else "development"

CSRF_FAILURE_VIEW = "factcheck.views.errors.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "factcheck:review_queue"
LOGOUT_REDIRECT_URL = "factcheck:home"

# Login throttling: 5 failures lock that username *from that address* for 15
# minutes, so one person's typos do not lock out a whole office behind one IP.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind N trusted proxies, the client's address is in X-Forwarded-For; without
# this, every visitor would share the proxy's address for the lockout count.
# django-ipware counts the proxies *listed* in the header: the nearest one is
# the connection itself. A header that does not fit is ignored (no spoofing).
if PROXY_COUNT := int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0") or 0):
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# The audit trail is append-only: nobody restores an old claim row around the
# status-change function (see factcheck.services).
SIMPLE_HISTORY_REVERT_DISABLED = True
# An audit row's reason may quote a reviewer's own words (why an article was
# corrected, why a claim was withdrawn): kept whole, not cut at 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# The organisation that publishes the fact-checks (ClaimReview author, page footers).
FACTCHECK_ORGANISATION = os.environ.get("FACTCHECK_ORGANISATION", "factcheck")
# A final status (a verdict, a resolution) is proposed by one reviewer and
# published when another approves it.
FACTCHECK_SIGNOFF = env_flag("FACTCHECK_SIGNOFF", default=True)
# Whether public pages name the reviewers who rated and approved a verdict.
FACTCHECK_PUBLIC_NAMES = env_flag("FACTCHECK_PUBLIC_NAMES", default=True)
# Readers' error reports and suggestions from one address, an hour (factcheck.throttling).
FACTCHECK_READER_MESSAGES_PER_HOUR = int(
    os.environ.get("FACTCHECK_READER_MESSAGES_PER_HOUR", "5") or 5
)


def site_url(value):
    """The site's own address, which every absolute URL (canonical links, feeds,
    exports, JSON-LD) is built from: never the Host a client sent."""
    url = value.strip().rstrip("/")
    scheme, _, rest = url.partition("://")
    if scheme not in ("http", "https") or not rest or "/" in rest:
        raise ImproperlyConfigured(
            f"FACTCHECK_SITE_URL must be http:// or https:// and a host, with no path "
            f"(for example https://facts.example.org), not “{value}”."
        )
    return url


if os.environ.get("FACTCHECK_SITE_URL"):
    FACTCHECK_SITE_URL = site_url(os.environ["FACTCHECK_SITE_URL"])
elif DEBUG:
    FACTCHECK_SITE_URL = "http://127.0.0.1:8000"
elif ALLOWED_HOSTS[0].lstrip(".") not in ("", "*"):
    FACTCHECK_SITE_URL = site_url("https://" + ALLOWED_HOSTS[0].lstrip("."))
else:
    raise ImproperlyConfigured(
        "FACTCHECK_SITE_URL must be set when the first of DJANGO_ALLOWED_HOSTS is a "
        "wildcard: the address readers use, for example https://facts.example.org."
    )


def mailer(url, timeout=None):
    """Django's mailer for an EMAIL_URL. dj-email-url reads the URL into the
    EMAIL_* settings that Django 6.1 deprecates; MAILERS takes the same as OPTIONS.
    ``timeout``: seconds to wait for an SMTP server (else the URL's ?timeout=, else 10)."""
    parsed = dj_email_url.parse(url)
    if "EMAIL_BACKEND" not in parsed:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with one of "
            f"{', '.join(scheme + '://' for scheme in dj_email_url.SCHEMES)} "
            f"(for example smtp://user:pass@smtp.example.org:587/?tls=True), not “{url}”."
        )
    backend = parsed["EMAIL_BACKEND"]
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        options = {
            "host": parsed["EMAIL_HOST"],
            "port": parsed["EMAIL_PORT"],
            "username": parsed["EMAIL_HOST_USER"],
            "password": parsed["EMAIL_HOST_PASSWORD"],
            "use_tls": parsed["EMAIL_USE_TLS"],
            "use_ssl": parsed["EMAIL_USE_SSL"],
            # dj-email-url leaves it at None: a server that stopped answering
            # would hold the worker for ever.
            "timeout": int(timeout or parsed["EMAIL_TIMEOUT"] or 10),
        }
    elif backend == "django.core.mail.backends.filebased.EmailBackend":
        options = {"file_path": parsed["EMAIL_FILE_PATH"]}
    else:
        options = {}
    return {"BACKEND": backend, "OPTIONS": options}


# Mail. EMAIL_URL names the server in every mode. Without it, debug prints each
# mail on the console, and production has no mailer at all: sending raises
# MailerDoesNotExist, and factcheck.mail.mail_is_configured() is False.
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
if EMAIL_URL:
    MAILERS = {"default": mailer(EMAIL_URL, timeout=os.environ.get("EMAIL_TIMEOUT"))}
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {}
    # It warns that sending will fail: without EMAIL_URL, that is the intent.
    SILENCED_SYSTEM_CHECKS.append("mail.W001")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL") or "factcheck@localhost"
FACTCHECK_DESK_EMAIL = os.environ.get("FACTCHECK_DESK_EMAIL", "")

# Background tasks (factcheck.tasks) are rows in the database, run by
# `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "conflicts_are_info": {"()": "factcheck.logs.ConflictsAreInfo"},
        "one_line_warning": {"()": "factcheck.logs.OneLineWarning"},
    },
    # Warnings and errors; Django's own loggers pass INFO records on too.
    "handlers": {"console": {"class": "logging.StreamHandler", "level": "WARNING"}},
    "loggers": {
        "django.request": {"filters": ["conflicts_are_info"]},
        # What clients send, not faults of ours: internet scanners send bad
        # hosts all day, and a traceback each would bury the real errors.
        **{
            f"django.security.{name}": {"filters": ["one_line_warning"]}
            for name in (
                "DisallowedHost",
                "RequestDataTooBig",
                "TooManyFieldsSent",
                "TooManyFilesSent",
            )
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
