# The handbook's commands. `make pdf` and `make test` do all the set-up they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NAME   ?=
PYTEST_ARGS ?=
NOTATION ?= default
# The build date on the title page: the last commit's, so that a checkout always prints the same
# book (reproducible builds). Set SOURCE_DATE_EPOCH yourself to choose another; without git and
# without it, the edition's own date is used.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
export SOURCE_DATE_EPOCH

NPM_STAMP := node_modules/.installed
SITE   = build/html$(if $(filter default,$(NOTATION)),,-$(NOTATION))

.PHONY: help setup python-setup tex-setup web-setup web-debian pdf html serve screenshots test check chapter sheets bench clean

help:
	@echo "make pdf              build build/handbook.pdf (sets everything up first)"
	@echo "make pdf NOTATION=p   the same in notation profile p (notation/p.toml): build/handbook-p.pdf"
	@echo "make html             build/handbook.pdf and the web edition build/html/ (NOTATION=p: build/html-p/)"
	@echo "make serve            serve the web edition locally and print its address (NOTATION=p too)"
	@echo "make screenshots      screenshots of every page of the web edition, desktop and phone, in build/screenshots/"
	@echo "make test             run the test suite (sets everything up first)"
	@echo "make test PYTEST_ARGS=--thorough   the same with more random cases and the whole book converted (CI)"
	@echo "make check            render and verify every chapter, without TeX"
	@echo "make chapter NAME=n   render and verify one chapter (PDF=1 also typesets it alone)"
	@echo "make sheets NAME=s COUNT=n        problem sheets sheets/s.toml for n students: build/sheets/s/"
	@echo "make sheets NAME=s ROSTER=f.csv   the same for the students of a roster (columns id, name)"
	@echo "make bench            print the benchmark tables (bench/README.md); TABLES=\"1 6\" for some"
	@echo "make setup            virtual environment, editable install, TeX, LaTeXML, Chromium, npm packages when missing"
	@echo "make clean            remove build/"

setup: python-setup web-setup
	@tools/ensure-debian-packages.sh && touch $(TEX_STAMP)

python-setup: $(STAMP)

# Reinstall when the package metadata changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,oracle]'
	touch $@

# TeX is looked for once per change of the package list (a stamp in the virtual environment, like
# the Python packages): a build with nothing to do then costs no dpkg queries. `make setup` always looks.
TEX_STAMP := $(VENV)/.debian-tex
tex-setup: $(TEX_STAMP)

$(TEX_STAMP): debian-packages.txt | $(STAMP)
	@tools/ensure-debian-packages.sh
	@touch $@

# The web edition: LaTeXML, dvisvgm, Chromium and npm from Debian, then MathJax and axe-core from the npm
# registry, exactly as package-lock.json pins them (again whenever the lock file changes).
web-setup: web-debian $(NPM_STAMP)

web-debian:
	@tools/ensure-debian-packages.sh debian-packages-web.txt

$(NPM_STAMP): package.json package-lock.json | web-debian
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# make itself exits 2 whenever a command fails; this line tells a failed check (the handbook's exit
# status 1) from bad input (2), as the handbook's own messages do.
STATUS = status=$$?; case $$status in 1) echo "make: handbook exit status 1: a check or TeX failed" >&2;; \
         2) echo "make: handbook exit status 2: bad input" >&2;; esac; exit $$status

pdf: python-setup tex-setup
	@$(BIN)/handbook build --notation $(NOTATION); $(STATUS)

html: python-setup tex-setup web-setup
	@$(BIN)/handbook build --html --notation $(NOTATION); $(STATUS)

serve: python-setup
	@$(BIN)/handbook serve --notation $(NOTATION); $(STATUS)

screenshots: html
	$(BIN)/python -m generator.web.browser $(SITE) build/screenshots/$(NOTATION)

# Lint, format and types first (seconds), then the tests.
test: setup
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

check: python-setup
	@$(BIN)/handbook check --notation $(NOTATION); $(STATUS)

chapter: python-setup
	@test -n "$(NAME)" || { echo "usage: make chapter NAME=<chapter> (see: $(BIN)/handbook list)"; exit 2; }
	$(if $(PDF),@tools/ensure-debian-packages.sh)
	@$(BIN)/handbook chapter $(NAME) --notation $(NOTATION) $(if $(PDF),--pdf); $(STATUS)

sheets: python-setup tex-setup
	@test -n "$(NAME)" || { echo "usage: make sheets NAME=<sheet> COUNT=<n> | ROSTER=<file.csv> (sheets: ls sheets/)"; exit 2; }
	@$(BIN)/handbook sheets $(NAME) --notation $(NOTATION) $(if $(ROSTER),--roster $(ROSTER)) $(if $(COUNT),--count $(COUNT)); $(STATUS)

# glibc returns freed large arrays to the OS and page-faults fresh ones in: raising the mmap
# threshold lets NumPy reuse them, as PyTorch's caching allocator does (bench/README.md).
bench: setup
	MALLOC_MMAP_THRESHOLD_=1073741824 OPENBLAS_NUM_THREADS=1 $(BIN)/python bench/run.py $(TABLES)

clean:
	rm -rf build
