# modelport: the two quick-start commands are `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve

.PHONY: serve test lint typecheck unit integration bench clean protos

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
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[test,sklearn,onnx,xgboost,deepaas,truss,huggingface]'
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

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The gRPC protocol's compiled descriptor, read at run time (no generated code to keep in step).
protos: $(BIN)/uv
	$(BIN)/uv tool run --from 'grpcio-tools>=1.60' python -m grpc_tools.protoc \
	  -I src/modelport/serving/grpc --descriptor_set_out=src/modelport/serving/grpc/inference.desc \
	  src/modelport/serving/grpc/inference.proto

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
