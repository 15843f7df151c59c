# LoanHub developer commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
QUEUES ?= default,risk,monitoring,notifications
# gunicorn: processes × threads each (gthread). Threads overlap the waits on PostgreSQL and Redis;
# processes use the cores (2 here). `make serve WORKERS=4 THREADS=8`, or the same from the env.
WORKERS ?= 2
THREADS ?= 4
# Seconds an idle keep-alive connection stays open (longer than a proxy's or client's pause).
KEEPALIVE ?= 5
# pytest-xdist processes for `make test` (the cores here); the `serial` tests run afterwards, one at
# a time in each of two processes: the browser's in one, those sharing the broker, the Redis and real
# workers in the other (each on its own test database: LOANHUB_TEST_DB_SUFFIX).
TEST_WORKERS ?= 2

.PHONY: help install install-dev browser run test test-moved lint format migrate seed worker beat serve messages check-deploy clean bench-postgres

help:
	@echo "make run     install, migrate, seed demo data and serve on http://$(HOST):$(PORT)/"
	@echo "make test    install dev requirements and run the whole test suite"
	@echo "make lint | format | worker | beat | serve | messages | check-deploy"

$(PY):
	$(PYTHON) -m venv $(VENV)

# The pinned requirements are installed by uv (itself from PyPI, pinned here): about 5 s on a new
# machine where pip took about two minutes; pip installs them when uv cannot.
UV_VERSION ?= 0.13.10
$(BIN)/uv: | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q uv==$(UV_VERSION) || true

define pip_install
	if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install -q --python $(PY) -r $(1); \
	else $(PY) -m pip install --disable-pip-version-check -q -r $(1); fi
endef

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/uv
	$(call pip_install,requirements.txt)
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/uv
	$(call pip_install,requirements-dev.txt)
	@touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "LoanHub is starting on http://$(HOST):$(PORT)/"
	@echo "  customer portal  http://$(HOST):$(PORT)/"
	@echo "  admin console    http://$(HOST):$(PORT)/admin/"
	@echo "  API docs         http://$(HOST):$(PORT)/api/docs/"
	@echo "  health           http://$(HOST):$(PORT)/healthz (liveness), /readyz (readiness)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# Debian's Chromium for the Playwright browser test (never a downloaded browser), and a Chinese
# font so zh screenshots show text, not boxes (and the OCR test renders its card with it); libgl1 for
# OpenCV, which RapidOCR reads identity cards with. Installed when missing and apt-get can run as root;
# otherwise the browser test is skipped locally (CI fails).
browser:
	@need=""; \
	[ -x /usr/bin/chromium ] || need="chromium"; \
	dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need="$$need fonts-wqy-microhei"; \
	dpkg -s libgl1 >/dev/null 2>&1 || need="$$need libgl1"; \
	if [ -n "$$need" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	fi

test: install-dev browser
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not serial" --durations=25
	@mkdir -p var; status=0; \
	LOANHUB_TEST_DB_SUFFIX=browser $(BIN)/pytest -p no:cacheprovider -m "serial and browser" \
		--durations=5 > var/test-serial-browser.log 2>&1 & browser=$$!; \
	$(BIN)/pytest -p no:cacheprovider -m "serial and not browser" --durations=5 || status=1; \
	wait $$browser || status=1; \
	echo "--- the browser's serial tests (var/test-serial-browser.log):"; cat var/test-serial-browser.log; \
	exit $$status

# The whole suite with "today" moved to the first 29 February at least seven years ahead.
test-moved: install-dev
	LOANHUB_TEST_TODAY=$$($(PY) -c 'import datetime as d; t = d.date.today(); y = t.year + 7 + ((t.month, t.day) > (2, 29)); y = next(y + k for k in range(8) if (y + k) % 4 == 0 and ((y + k) % 100 or (y + k) % 400 == 0)); print(f"{y}-02-29")') $(BIN)/pytest -n $(TEST_WORKERS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A loanhub worker -Q $(QUEUES) --loglevel=INFO

beat: install
	$(BIN)/celery -A loanhub beat --loglevel=INFO

serve: migrate
	$(PY) manage.py collectstatic --noinput -v 0
	LOANHUB_WARM_UP=1 $(BIN)/gunicorn loanhub.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --threads $(THREADS) --keep-alive $(KEEPALIVE) --access-logfile -

# Regenerate translation catalogues (needs GNU gettext); the compiled .mo files are committed.
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --no-wrap --no-location --ignore=.venv --ignore=staticfiles --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

check-deploy: install
	LOANHUB_ENV=production SECRET_KEY="$${SECRET_KEY:-ci-only-$$(printf '%060d' 0 | tr 0 x)-not-secret-3f9a}" \
	LOANHUB_ALLOWED_HOSTS=loanhub.example.com $(PY) manage.py check --deploy --fail-level WARNING

# A second PostgreSQL cluster for the benchmarks (Debian's pg_createcluster), on BENCH_PG_PORT with
# benchmarks/postgresql/loanhub-bench.conf: DATABASE_URL=postgres://postgres@127.0.0.1:5433/postgres
BENCH_PG_PORT ?= 5433
bench-postgres:
	@v=$$(ls /etc/postgresql | sort -n | tail -1); \
	if [ ! -d /etc/postgresql/$$v/bench ]; then pg_createcluster $$v bench -p $(BENCH_PG_PORT) -- --auth=trust; fi; \
	cp benchmarks/postgresql/loanhub-bench.conf /etc/postgresql/$$v/bench/conf.d/; \
	pg_ctlcluster --skip-systemctl-redirect $$v bench restart || pg_ctlcluster --skip-systemctl-redirect $$v bench start; \
	psql -h 127.0.0.1 -p $(BENCH_PG_PORT) -U postgres -Atc "SHOW shared_buffers"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
