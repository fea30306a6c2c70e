# spinecare: `make run` starts the app with demo patients; `make test` runs the whole suite.
PYTHON ?= python3
PORT   ?= 8000
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint typecheck messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,bulk]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/spinecare serve --demo --port $(PORT)

test: install lint typecheck
	$(BIN)/python -m pytest -n auto -q

lint: install
	$(BIN)/ruff check spinecare tests benchmarks tools
	$(BIN)/ruff format --check spinecare tests benchmarks tools

typecheck: install
	$(BIN)/mypy spinecare

# The interface texts: extract them from the code and templates (babel.cfg) into
# build/messages.pot and update every catalogue spinecare/locale/<lang>/LC_MESSAGES/messages.po
# (the .po files are the source: translators edit them; nothing compiled is kept).
BABEL_KEYWORDS := -k N_ -k Message -k Text
messages: install
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
		--width 100 --project spinecare -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d spinecare/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
