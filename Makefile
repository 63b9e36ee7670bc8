# modelport: the two quick-start commands are `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve

.PHONY: serve test lint typecheck unit integration ui bench bench-registry bench-blobs bench-workers bench-grpc bench-commands bench-batch bench-frameworks fuzz fuzz-bodies reliability soak clean protos

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

# What examples/iris needs (modelport and scikit-learn): `make serve` installs no more.
$(SERVE_STAMP): pyproject.toml $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[sklearn]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $(SERVE_STAMP)

# The tests' torch: a CPU build at the version the suite is tested with, from a local wheel folder
# holding it (TORCH_WHEELS), else PyTorch's CPU index; never PyPI's multi-GB CUDA build.
TORCH_VERSION ?= 2.13.0
TORCH_WHEELS ?= /opt/wheels
TORCH_SOURCE ?= $(if $(wildcard $(TORCH_WHEELS)/torch-$(TORCH_VERSION)+cpu-*.whl),--find-links $(TORCH_WHEELS),--index-url https://download.pytorch.org/whl/cpu)

# Everything the tests use: every convention's and framework's extra, and the dev tools.
$(STAMP): pyproject.toml $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[test,sklearn,onnx,xgboost,deepaas,truss,postgres,s3,signing,tensorflow,huggingface,ray]'
	$(BIN)/uv pip install --python $(BIN)/python --quiet $(TORCH_SOURCE) 'torch==$(TORCH_VERSION)'
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

# schemathesis over every document a server serves (modelport's, DEEPaaS's, Odahu's), longer than
# the suite's bounded run: random seeds, the stateful phase, EXAMPLES per operation (165 by default: over 20,000 requests in all).
fuzz: $(STAMP) fuzz-bodies
	MODELPORT_FUZZ_EXAMPLES=$${EXAMPLES:-165} $(BIN)/python -m pytest tests/integration/test_openapi_fuzz.py -q -s

# Mutated Arrow, Parquet, V2 binary and msgpack bodies against a served worker pool (SEED to replay).
fuzz-bodies: $(STAMP)
	MODELPORT_FUZZ_BODIES=$${BODIES:-10000} MODELPORT_FUZZ_SEED=$${SEED:-$$(date +%s)} \
	  $(BIN)/python -m pytest tests/integration/test_body_fuzz.py -q -s

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The gRPC protocol's compiled descriptor, read at run time (no generated code to keep in step).
protos: $(BIN)/uv
	$(BIN)/uv tool run --from 'grpcio-tools>=1.60' python -m grpc_tools.protoc \
	  -I src/modelport/serving/grpc --descriptor_set_out=src/modelport/serving/grpc/inference.desc \
	  src/modelport/serving/grpc/inference.proto

# A registry of 10,000 versions on PostgreSQL (and SQLite), listed page by page: p99 per page.
bench-registry: $(STAMP)
	$(BIN)/python benchmarks/registry_load.py

# Memory of registering and fetching a 1 GiB artifact in S3 (moto's server), into docs/benchmarks.md.
bench-blobs: $(STAMP)
	$(BIN)/python benchmarks/blob_memory.py

# What a second worker process buys (req/s) and costs (USS); its own section of docs/benchmarks.md.
bench-workers: $(STAMP)
	$(BIN)/python benchmarks/workers.py

# How long modelport --help and models list take, and the cold start of modelport serve against the
# bare FastAPI app, in rotation; its own section of docs/benchmarks.md.
bench-commands: $(STAMP)
	$(BIN)/python benchmarks/command_latency.py

# Rows per second of modelport batch on 10 million rows against a plain pandas loop over the same
# model's predict, one core each, in turns; its own section of docs/benchmarks.md.
bench-batch: $(STAMP)
	$(BIN)/python benchmarks/batch.py

# Open Inference V2 over gRPC against MLServer's, in turns; its own section of docs/benchmarks.md.
bench-grpc: $(STAMP)
	$(BIN)/python benchmarks/grpc_bench.py

# What bad requests, models and kills do, into docs/reliability.md's Figures (about 25 minutes):
# decode bombs in a 1 GiB memory cgroup, model faults, kill -9 loops, a 10-minute soak (needs wrk).
reliability: $(STAMP)
	$(BIN)/python benchmarks/reliability.py

# The 10-minute soak alone (c=64, one-row JSON): errors, RSS growth, p50/p99.
soak: $(STAMP)
	$(BIN)/python benchmarks/reliability.py --only soak

# Each framework upload served by onnxruntime and by its framework's own runtime, and by
# MLServer's runtime for the same model; its own section of docs/benchmarks.md.
bench-frameworks: $(STAMP)
	$(BIN)/python benchmarks/frameworks.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The web UI: its TypeScript sources (ui/) built into the package (src/modelport/server/ui/static,
# committed, with the digest of the sources that tests/unit/server/test_web_ui.py checks). Needs Node.
ui:
	cd ui && npm ci && npm run build
