"""The greeter convention's adapter."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from starlette.routing import BaseRoute

from greeter_format.servable import GreeterServable
from modelport.artifact.manifest import Manifest
from modelport.artifact.sources import collect_files
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.project import default_model_name
from modelport.schema import Field, Signature
from modelport.serving.conventions import Services
from modelport.serving.models import ModelSet

SIGNATURE = Signature(inputs=[Field("name", str)], outputs=[Field("greeting", str)])


class GreeterFormat(ModelFormat):
    name = "greeter"
    option_names = frozenset({"punctuation"})

    def detect(self, path: Path) -> float:
        return 1.0 if (path / "greeting.yaml").is_file() else 0.0

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        root = path.resolve()
        return ProjectLayout(
            root=root,
            default_name=default_model_name(root),
            sources=tuple(collect_files(root)),
            dependency_root=root,
            requirements=(),
            needs_pandas=False,
        )

    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        greeting = yaml.safe_load((layout.root / "greeting.yaml").read_text())["greeting"]
        return BuildOutput(
            entry_point="greeting.yaml",
            signature=SIGNATURE.to_dict(),
            metadata={"greeting": greeting, "punctuation": options.get("punctuation", "!")},
        )

    def load(self, root: Path, manifest: Manifest) -> GreeterServable:
        return GreeterServable(
            name=manifest.name,
            greeting=manifest.metadata["greeting"],
            punctuation=manifest.metadata["punctuation"],
            signature=Signature.from_dict(manifest.signature),
        )

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        from greeter_format.routes import greeter_routes

        return greeter_routes(models)
