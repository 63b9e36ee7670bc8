"""The signature of a Hugging Face upload: the kind's documented schemas, or the ones given,
checked against Wallaroo's rules for the kind.

An input schema must hold the kind's required inputs; it may leave optional ones out, and may
add inputs of its own only for the kinds that forward them to the pipeline call (anything else
is refused at build, naming the input). An output schema may only name columns the kind
answers with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelport.errors import ConfigError
from modelport.formats.wallaroo.hugging_face.kinds import KINDS, Kind
from modelport.formats.wallaroo.schemas import signature_of
from modelport.schema import Signature

CONFIG = "config.json"
"""The file ``save_pretrained`` writes in every saved transformers pipeline's folder."""
MODEL_INDEX = "model_index.json"
"""What a diffusers pipeline's ``save_pretrained`` writes instead (its parts in subfolders)."""

WEIGHTS = ("*.safetensors", "*.safetensors.index.json", "pytorch_model*.bin")
"""The weight files ``save_pretrained`` writes (one file, or shards and their index)."""

FORWARDING = ", ".join(sorted(k.framework for k in KINDS.values() if k.forwards_extra))


def model_config(folder: Path, upload: str, *, library: str = "transformers") -> dict[str, Any]:
    """The saved pipeline's model config (a diffusers pipeline's index); ConfigError when the
    folder holds no saved pipeline."""
    config_name = MODEL_INDEX if library == "diffusers" else CONFIG
    path = folder / config_name
    if not path.is_file():
        raise ConfigError(
            f"{upload} holds no {config_name}: it is not a saved {library} pipeline",
            hint="save the pipeline with pipeline.save_pretrained('my-model') and zip that "
            "folder: `zip -r my-model.zip my-model/`",
            field=upload,
        )
    try:
        config = json.loads(path.read_text())
    except ValueError as exc:
        raise ConfigError(
            f"{upload}: {config_name} is not JSON ({exc})", field=config_name
        ) from None
    if not isinstance(config, dict):
        raise ConfigError(f"{upload}: {config_name} is not a JSON object", field=config_name)
    found = folder.rglob if library == "diffusers" else folder.glob
    if not any(next(found(pattern), None) for pattern in WEIGHTS):
        raise ConfigError(
            f"{upload} holds no model weights ({', '.join(WEIGHTS)})",
            hint="save the whole pipeline with pipeline.save_pretrained(folder), not only its "
            "config",
            field=upload,
        )
    return config


def pipeline_signature(
    kind: Kind, config: Mapping[str, Any], schemas: Mapping[str, pa.Schema]
) -> Signature:
    """The given schemas (each checked) or the kind's default for each one not given."""
    inputs = schemas.get("input_schema") or kind.input_schema()
    outputs = schemas.get("output_schema") or kind.outputs(config)
    _check_inputs(kind, inputs)
    _check_outputs(kind, outputs)
    return signature_of(inputs, outputs)


def _check_inputs(kind: Kind, schema: pa.Schema) -> None:
    for name in kind.required:
        if name not in schema.names:
            raise ConfigError(
                f"the input schema of a {kind.framework} model needs the input {name!r}",
                hint=f"its inputs: {', '.join(kind.required)} (required), "
                f"{', '.join(kind.optional) or 'none'} (optional)",
                field=name,
            )
    known = {*kind.required, *kind.optional}
    extra = [name for name in schema.names if name not in known]
    if extra and not kind.forwards_extra:
        raise ConfigError(
            f"the input schema names {extra[0]!r}, which is not an input of a "
            f"{kind.framework} model",
            hint=f"its inputs are {', '.join(sorted(known))}; only {FORWARDING} pass other "
            "inputs on to the model (as arguments of generate)",
            field=extra[0],
        )


def _check_outputs(kind: Kind, schema: pa.Schema) -> None:
    for name in schema.names:
        if name not in kind.output_names:
            raise ConfigError(
                f"the output schema names {name!r}, which a {kind.framework} model does not "
                "answer with",
                hint=f"name some of: {', '.join(kind.output_names)}",
                field=name,
            )
