# Two commands do all the set-up on a fresh machine: `make run` and `make test` (see README.md).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# The second test pass runs against these; override to point elsewhere.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/medpeer
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test test-embedded test-production test-faults browser lint format bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Development profile: DEBUG on, SQLite and the in-memory channel layer unless DATABASE_URL/REDIS_URL are set.
run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://127.0.0.1:8000 with the escalation worker and the second look  (Ctrl-C to stop all)"
	DEBUG=true $(PY) manage.py run_moderation_worker & worker=$$!; \
		DEBUG=true $(PY) manage.py run_second_look & second_look=$$!; \
		trap 'kill $$worker $$second_look 2>/dev/null' EXIT INT TERM; \
		DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite, two passes at once: embedded (SQLite, in-memory layer; the integration tests start their own
# server processes on PostgreSQL and Redis), and the in-process tests that reach a database again on PostgreSQL
# and Redis. The second pass mostly waits on sockets and services, so running it beside the first (at a lower CPU
# priority) keeps CI under 15 minutes on 2 cores; each pass's output is printed whole when it ends.
test: install browser
	$(MAKE) --no-print-directory --output-sync=target -j2 test-embedded test-production

# Browser tests drive Debian's Chromium (with an emoji font, so reactions render in screenshots), and the
# proxy-stack test Debian's nginx
# (tests/integration/test_proxy_stack.py): install them when missing and we may (root with apt-get).
# `playwright install` cannot download browsers on our machines.
browser:
	@missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing="$$missing fonts-noto-color-emoji"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing from Debian:$$missing for the browser and proxy tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
			|| echo "could not install$$missing: those tests will skip (or fail with CI=true)"; \
	fi

# TEST_PASS=embedded leaves the tests marked second_pass to test-production (tests/conftest.py); `pytest` alone runs all.
test-embedded: install
	TEST_PASS=embedded $(PY) -m pytest

# Only the fault tests (real processes stopped, killed and restarted); `make test` runs them too.
test-faults: install
	$(PY) -m pytest -m faults tests/integration

# Only tests that can reach PostgreSQL or Redis (TEST_PASS=services, tests/conftest.py): the pure ones ran above.
test-production: install
	DATABASE_URL=$(TEST_POSTGRES_URL) REDIS_URL=$(TEST_REDIS_URL) TEST_PASS=services \
		nice -n 10 $(PY) -m pytest tests/rooms tests/chatserver tests/moderation -p no:cacheprovider

# The fan-out benchmark against its baselines (bench/fanout.py): `make bench` is the quick set (about 3 minutes),
# `make bench FULL=1` everything (about 10); LABEL="what changed" adds the run to the history table.
# Needs PostgreSQL and Redis (TEST_POSTGRES_URL, TEST_REDIS_URL). Writes bench/results/ and docs/benchmarks.md.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) bench/fanout.py $(if $(FULL),--full) $(if $(LABEL),--label "$(LABEL)")

# docs/screenshots/*.png from a real server in Debian's Chromium.
screenshots: install browser
	$(PY) scripts/screenshots.py

lint: install
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .test-db.sqlite3* *.egg-info
