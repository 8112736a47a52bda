# orderdesk: two commands do all the set-up on a fresh Debian machine.
#   make run   installs what is missing, fills a local SQLite database with demo data
#              (first time only) and opens the desk window.
#   make test  installs what is missing and runs every test.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

# Debian packages this image lacks (measured, see PLATFORM.md): xcb plugin libraries and
# Xvfb for a real window, a CJK font (TrueType, so reportlab can embed it), PDF tools.
APT_PACKAGES := libxcb-icccm4 libxcb-keysyms1 xvfb fonts-wqy-microhei poppler-utils poppler-data

# Compiled catalogues (.mo) are built from the translations (.po), never edited by hand.
PO_FILES := $(wildcard resources/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test setup system-packages lint format bench clean translations translations-check

run: setup
	@$(BIN)/orderdesk demo --if-empty
	@$(BIN)/orderdesk gui --if-screen

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q

setup: system-packages $(STAMP) $(MO_FILES)

%.mo: %.po $(STAMP)
	@$(BIN)/pybabel -q compile -i $< -o $@

# After adding or changing marked strings (and after merging new screens): extract them,
# merge them into every language's .po, compile, and list what still needs translating.
translations: $(STAMP)
	$(BIN)/python -m app.i18n_tools all

translations-check: $(STAMP)
	$(BIN)/python -m app.i18n_tools check

system-packages:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache out $(MO_FILES)
