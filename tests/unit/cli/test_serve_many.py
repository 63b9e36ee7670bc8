"""``modelport serve A B``'s refusals, before anything is resolved or started."""

from __future__ import annotations

import pytest

from .conftest import Invoke


@pytest.mark.parametrize(("option", "value"), [("--name", "both"), ("--reload", None)])
def test_options_of_one_model_are_refused_with_several(
    invoke: Invoke, option: str, value: str | None
) -> None:
    result = invoke("serve", "./iris", "./wine", option, *([value] if value else []))
    assert result.exit_code == 2
    assert f"{option} serves one TARGET" in result.output


def test_a_memory_bound_that_is_no_size_is_refused(invoke: Invoke) -> None:
    result = invoke("serve", "iris", "wine", "--max-models-memory", "lots")
    assert result.exit_code != 0
    assert "--max-models-memory" in str(result.exception) + result.output


@pytest.mark.parametrize("pool", [("--workers", "2"), ("--max-worker-memory", "1GiB")])
def test_grpc_with_a_pool_per_model_is_refused(invoke: Invoke, pool: tuple[str, str]) -> None:
    """A model's gRPC server behind a front listens on a Unix socket one process can hold."""
    result = invoke("serve", "./iris", "./wine", "--grpc-port", "9000", *pool)
    assert result.exit_code == 2
    assert "--grpc-port with several TARGETs needs one process per model" in result.output
