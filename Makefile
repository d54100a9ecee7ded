# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint bench clean

$(STAMP): requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $(STAMP)

install: $(STAMP)

# Runs the system on its embedded default: SQLite under var/, jobs in-process.
run: $(STAMP)
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py compile_translations
	DEBUG=1 $(PY) manage.py demo_data --once
	DEBUG=1 $(PY) manage.py serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite; also on PostgreSQL when DATABASE_URL names one.
# SQLITE=0 skips the SQLite pass (CI runs it in a call of its own).
SQLITE ?= 1
test: $(STAMP)
	bin/ensure-chromium
	DEBUG=1 DATABASE_URL= $(PY) manage.py compile_translations
	DEBUG=1 DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/bandit -q -r aftersales config -x "*/tests/*" --severity-level high
	$(PY) bin/audit-dependencies
	@if [ "$(SQLITE)" = "1" ]; then echo "== SQLite"; DATABASE_URL= $(PY) -m pytest; fi
	@if [ -n "$$DATABASE_URL" ] && case "$$DATABASE_URL" in postgres*) true;; *) false;; esac; then \
		echo "== PostgreSQL: $$DATABASE_URL"; $(PY) -m pytest; fi

bench: $(STAMP)
	$(PY) bench/import_assets.py

clean:
	rm -rf $(VENV) var

# Service requests at scale (issue 4): 200,000 requests in a PostgreSQL database of its own
# (aftersales_bench on 127.0.0.1, dropped afterwards; BENCH_POSTGRES names another server).
# ARGS="--requests 20000", ARGS=--sqlite (a file under var/bench/) or ARGS=--keep change it.
.PHONY: bench-service
bench-service: $(STAMP)
	$(PY) bench/service_requests.py $(ARGS)

# Spare-parts stock at scale (the spare-parts issue): 5,000 parts, 50 stores, 1,000,000 movements in a
# PostgreSQL database of its own (aftersales_bench_stock, dropped afterwards). ARGS as above.
.PHONY: bench-inventory
bench-inventory: $(STAMP)
	$(PY) bench/inventory.py $(ARGS)
