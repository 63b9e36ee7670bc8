"""A schema larger than a command line may be (an argument is at most 128 KiB on Linux) still
reaches the build step: the format's options travel on the worker's stdin."""

from __future__ import annotations

import pyarrow as pa

from modelport.schema import Signature

from .conftest import STEPS, TENSOR_SCHEMA, WEIGHTED_SCHEMA, Build


def test_a_schema_of_half_a_megabyte_reaches_the_build_step(build: Build) -> None:
    notes = "x" * 512 * 1024  # schema metadata, as a data catalogue may attach
    described = TENSOR_SCHEMA.with_metadata({"notes": notes})
    version = build(
        STEPS / "weighted_sum.py",
        name="described-step",
        framework="python",
        input_schema=described,
        output_schema=WEIGHTED_SCHEMA,
    )
    inputs = Signature.from_dict(version.signature).input_schema
    assert inputs.field("tensor").type == pa.list_(pa.float64(), 4)
