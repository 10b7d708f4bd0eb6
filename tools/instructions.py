"""One benchmark endpoint's requests, in process, for valgrind to count:

    valgrind --tool=callgrind python -m tools.instructions ENDPOINT REQUESTS

ENDPOINT is a name from tools.bench.ENDPOINTS ("claim page, uncached"). Every
endpoint is requested three times first, so a run of 0 requests is the
baseline to subtract. Requests go through Django's WSGI handler as gunicorn
calls it, against the benchmark site the environment names (DATABASE_URL and
the rest, as ``python -m tools.bench --instructions`` sets them).
"""

import argparse
import gc
import io
import os
import sys

from tools.bench import ENDPOINTS
from tools.bench_data import measured_records


def run_requests(name, requests):
    """Warm every endpoint, then GET endpoint ``name`` ``requests`` times."""
    from django.core.handlers.wsgi import WSGIHandler

    from factcheck.models import Claim

    handler = WSGIHandler()
    claim, article = measured_records(Claim.objects.count())

    def get(path, headers=()):
        path, _, query = path.format(claim=claim, article=article).partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_X_FORWARDED_PROTO": "https",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            **dict(headers),
        }
        response = handler(environ, lambda status, headers, exc_info=None: None)
        b"".join(response)
        response.close()
        if response.status_code not in (200, 304):
            raise RuntimeError(f"{path} answered {response.status_code}")
        return response

    # The ETags come from the warm-up, which the baseline runs too: fetched
    # after it, one page in every run of a 304 would be counted as its own.
    etags = {}
    for _ in range(3):
        for _, path, _ in ENDPOINTS:
            etags[path] = get(path).get("ETag")
    _, path, conditional = next(endpoint for endpoint in ENDPOINTS if endpoint[0] == name)
    headers = [("HTTP_IF_NONE_MATCH", etags[path])] if conditional else []
    # A full collection now, in the baseline too: else whether one falls within
    # the requests counted moves each figure by about 2% (measured), with any
    # change of code.
    gc.collect()
    for _ in range(requests):
        get(path, headers)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.instructions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("endpoint", metavar="ENDPOINT", choices=[name for name, _, _ in ENDPOINTS])
    parser.add_argument("requests", metavar="REQUESTS", type=int)
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tools.bench_settings")
    import django

    django.setup()
    run_requests(options.endpoint, options.requests)


if __name__ == "__main__":
    main()
