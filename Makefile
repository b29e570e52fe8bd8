# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint install browser axe migrate seed bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate

seed: migrate
	$(PY) manage.py seed

run: seed
	$(PY) manage.py run

# The web tests drive Debian's Chromium (Playwright cannot download its own browser here); the media-cache test runs nginx.
browser:
	bash scripts/ensure_chromium.sh

# Lint and types first: a fresh clone's `make test` (and CI's) checks them before the suite runs.
lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

# axe-core (npm dev dependency, package-lock.json) audits the page's accessibility inside the Chromium tests.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

axe: $(AXE)

test: install browser axe lint
	$(PY) -m pytest -q -n 4 --dist loadgroup

bench: install browser
	$(PY) bench/generation_makespan.py
	$(PY) bench/replicate_makespan.py
	$(PY) bench/scale.py --customers 30 --latency 2
	$(PY) bench/render_pdf.py
	$(PY) bench/stylize_speed.py
	$(PY) bench/page_load.py
	$(PY) bench/metrics_scrape.py
	$(PY) bench/media_bytes.py
	$(PY) bench/login_burst.py
	$(PY) bench/api_load.py
	$(PY) bench/scoring.py

clean:
	rm -rf var .pytest_cache
