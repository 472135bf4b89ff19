# Musaada — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test lint messages check-deploy bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when a lock file changes.
$(VENV)/.base-installed: requirements/base.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.lock
	@touch $@

$(VENV)/.dev-installed: requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.lock
	@touch $@ $(VENV)/.base-installed

## make run: set everything up and serve the portal with demo data at http://127.0.0.1:$(PORT)
run: $(VENV)/.base-installed
	@mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py refresh_rollups --full
# The periodic jobs (claim deadlines, returns to the queue, rollups, …) run next to the server,
# in-process, as Celery beat does in production; the trap stops them when the server stops.
	$(BIN)/python manage.py run_periodic & periodic=$$!; \
	trap 'kill $$periodic 2>/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## make test: lint, migration and catalogue checks, then the whole suite
test: $(VENV)/.dev-installed lint
	@mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/i18n.py check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
# The whole project (pyproject.toml leaves out migrations, tests and the bench).
	$(BIN)/mypy .
# The layers of docs/architecture.md (.importlinter)
	PYTHONPATH=. $(BIN)/lint-imports --no-cache

## make messages: refresh the catalogues from the source and compile them (needs xgettext)
messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages -l ar --no-location --no-obsolete \
		--ignore='.venv/*' --ignore='static/vendor/*' --ignore='staticfiles/*' --ignore='var/*' --ignore='tests/*' --ignore='bench/*'
	$(BIN)/python scripts/i18n.py compile

## make check-deploy: the production settings pass Django's deployment checks
check-deploy: $(VENV)/.base-installed
	DJANGO_ENV=production SECRET_KEY=$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=musaada.example DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/musaada} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	IDENTITY_PROVIDER=hawiyati \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

## make bench: national-scale benchmark on PostgreSQL (BENCH_DATABASE_URL); quick by default,
## `make bench SCALE=1000000` for the full run (100k and 1M applicants); `make bench ONLY=chain`
## for the audit chain's ceiling (not in the default run). See docs/benchmarks.md.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.run $(if $(SCALE),--scale $(SCALE)) $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) var staticfiles musaada.sqlite3 .pytest_cache .ruff_cache .mypy_cache
