# Two commands on a fresh machine: `make run` serves the seeded site,
# `make test` runs the whole suite. Both set up .venv first, and only redo
# what is out of date.

SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run serve test bench lint validators clean

# The newest Python >= 3.12 among the usual names and pyenv's versions
# (pyenv's own shims for 3.12/3.13 may be inactive, so ask each candidate).
define FIND_PYTHON
for candidate in python3.14 python3.13 python3.12 python3 python \
    "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.*/bin/python3; do \
  if version=$$("$$candidate" -c 'import sys; assert sys.version_info >= (3, 12); print("%d.%02d" % sys.version_info[:2])' 2>/dev/null); then \
    echo "$$version $$(command -v "$$candidate")"; \
  fi; \
done | sort -r | head -n 1 | cut -d' ' -f2
endef

$(PYTHON):
	@python=$$($(FIND_PYTHON)); \
	if [ -z "$$python" ]; then \
	  echo "No Python >= 3.12 found (tried python3.14, python3.13, python3.12, python3 and pyenv's versions)." >&2; \
	  echo "Install one (for example: pyenv install 3.13) and run this again." >&2; \
	  exit 1; \
	fi; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --editable ".[dev]"
	@touch $@

# The task worker runs in the background, the server in front: when the server
# ends (Ctrl-C, or it fails to start), the trap stops the worker too. (Its
# reloader, stopped by SIGTERM, takes down the process that runs the tasks.)
run: export DJANGO_DEBUG = 1
run: export FACTCHECK_SITE_URL ?= http://$(HOST_PORT)
run: $(INSTALLED)
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py seed_claims
	$(PYTHON) manage.py createreviewer reviewer --staff --editor --if-missing
	$(PYTHON) manage.py createreviewer second-reviewer --if-missing
	@echo
	@echo "Serving the site at http://$(HOST_PORT)/."
	@echo "Reviewers log in at http://$(HOST_PORT)/accounts/login/ as “reviewer”, with the password"
	@echo "printed above the first time (make run prints it once, when it creates the account)."
	@echo "Then: the review queue at /review/, taking in articles at /review/articles/ (the"
	@echo "account is an editor), the Django admin at /admin/."
	@echo "A verdict one reviewer proposes is published when another approves it: log in as"
	@echo "“second-reviewer” (its password is printed above too) to try it. Each sets a public"
	@echo "name at /review/settings/ first."
	@echo "Background tasks (the site's mails) run in manage.py db_worker beside the server;"
	@echo "without EMAIL_URL each mail is printed here. Ctrl-C stops both."
	@echo
	@trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(PYTHON) manage.py db_worker & worker=$$!; \
	$(PYTHON) manage.py runserver $(HOST_PORT)

# Production: gunicorn + whitenoise, DEBUG off. Needs DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS in the environment (the settings say so if either is missing).
WORKERS ?= 3
# A whole export of 100,000 claims streams for about a minute; gunicorn's
# default 30 s would cut it off.
TIMEOUT ?= 300
serve: $(INSTALLED)
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py collectstatic --no-input -v 0
	$(VENV)/bin/gunicorn factcheck.wsgi --bind $(HOST_PORT) --workers $(WORKERS) \
	  --timeout $(TIMEOUT) --no-control-socket --access-logfile -

PYTEST_ARGS ?=
test: $(INSTALLED)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	DJANGO_DEBUG=1 $(PYTHON) manage.py makemigrations --check --dry-run

# Public pages against Django's ceiling at 100 / 10,000 / 100,000 claims
# (needs wrk: apt-get install wrk). Writes docs/benchmarks.md. tools/ is not
# part of the app: run from here, never installed.
bench: $(INSTALLED)
	$(PYTHON) -m tools.bench $(ARGS)

# The Nu Html Checker, for tests/test_html_validity.py (needs npm and Java).
VNU_VERSION := 26.9.27
validators: .cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar
.cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar:
	npm install --silent --no-audit --no-fund --prefix .cache/vnu vnu-jar@$(VNU_VERSION)

clean:
	rm -rf $(VENV) *.egg-info db-test.sqlite3*
