"""Building a Hugging Face pipeline upload: the saved pipeline's folder checked without loading
it (torch and transformers are imported only where the model is served, so a build stays
quick; whether they are installed is looked up)."""

from __future__ import annotations

import pyarrow as pa

from modelport.errors import ConfigError
from modelport.formats.base import BuildOutput, ProjectLayout
from modelport.formats.wallaroo import staging
from modelport.formats.wallaroo.framework_builds import build_output
from modelport.formats.wallaroo.hugging_face.kinds import kind_of
from modelport.formats.wallaroo.hugging_face.servable import check_installed
from modelport.formats.wallaroo.hugging_face.signature import (
    CONFIG,
    MODEL_INDEX,
    model_config,
    pipeline_signature,
)


def build_hugging_face(
    layout: ProjectLayout, schemas: dict[str, pa.Schema], framework: str
) -> BuildOutput:
    """The build of a zipped saved pipeline uploaded with ``--framework hugging-face-<kind>``:
    its config read, its signature the seed's for the kind (or the schemas given)."""
    kind = kind_of(framework)
    if kind is None:
        raise ConfigError(
            f"{framework!r} is not a Hugging Face pipeline kind",
            hint="`modelport frameworks` lists the hugging-face-* kinds",
            field="framework",
        )
    upload = f"{layout.root.name}.zip"
    if staging.staged_kind(layout.root) != "zip":
        raise ConfigError(
            f"--framework {framework} takes a zip of a saved pipeline's folder",
            hint="save it with pipeline.save_pretrained('my-model') and upload "
            "`zip -r my-model.zip my-model/`",
            field="framework",
        )
    config = model_config(layout.root, upload, library=kind.library)
    signature = pipeline_signature(kind, config, schemas)
    check_installed(kind)
    entry = MODEL_INDEX if kind.library == "diffusers" else CONFIG
    return build_output(entry, signature, {"framework": framework})
