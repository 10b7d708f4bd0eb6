"""Tools for working on factcheck, run from the project folder: the benchmark
(``python -m tools.bench``), the load test (``python -m tools.loadtest``) and
the gunicorn launcher they and the tests share (``tools.server``).

Not part of the app, as Django's own benchmarks live outside Django: the wheel
holds only ``factcheck``, and ``manage.py help`` lists none of these.
"""
