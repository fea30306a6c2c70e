# spinecare: `make run` starts the app with demo patients; `make test` runs the whole suite;
# `make check` runs lint, types and the fast tests (no browser, Spark, PostgreSQL or big data).
PYTHON ?= python3
PORT   ?= 8000
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test check lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,bulk]'
	touch $(STAMP)

# Compiled bytecode for spinecare's modules, as a pip install of the package would leave
# it: an editable install has none, and where PYTHONDONTWRITEBYTECODE is set every start
# of the CLI would compile all of them again. Only changed modules are compiled.
install: $(STAMP)
	$(BIN)/python -m compileall -q spinecare

run: install
	$(BIN)/spinecare serve --demo --port $(PORT)

# --durations: the slowest tests are named at the end of every run (the suite's time is
# watched: ten minutes on two cores)
test: install lint typecheck
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder -q --durations=15

FAST := not slow and not spark and not browser and not postgres

check: install lint typecheck
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder -q -m "$(FAST)"

lint: install
	$(BIN)/ruff check spinecare tests benchmarks tools
	$(BIN)/ruff format --check spinecare tests benchmarks tools
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy spinecare

# The interface texts: extract them from the code and templates (babel.cfg) into
# build/messages.pot and update every catalogue spinecare/locale/<lang>/LC_MESSAGES/messages.po
# (the .po files are the source: translators edit them; nothing compiled is kept).
BABEL_KEYWORDS := -k N_ -k Message -k Text -k plural:2,3
messages: install
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
		--width 100 --project spinecare -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d spinecare/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date --width 100

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
