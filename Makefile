# modelport: the two quick-start commands are `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve

.PHONY: serve test lint typecheck unit integration bench fuzz clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

# What examples/iris needs (modelport and scikit-learn): `make serve` installs no more.
$(SERVE_STAMP): pyproject.toml $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[sklearn]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $(SERVE_STAMP)

# Everything the tests use: every convention's and framework's extra, and the dev tools.
$(STAMP): pyproject.toml $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[test,sklearn,onnx,xgboost,deepaas,truss,signing]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $(STAMP) $(SERVE_STAMP)

serve: $(SERVE_STAMP)
	$(BIN)/modelport serve examples/iris --env inherit --port $${PORT:-8080}

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# schemathesis over a served OpenAPI document, longer than the suite's bounded run: random seeds,
# the stateful phase, EXAMPLES per operation (300 by default).
fuzz: $(STAMP)
	MODELPORT_FUZZ_EXAMPLES=$${EXAMPLES:-300} $(BIN)/python -m pytest tests/integration/test_openapi_fuzz.py -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
