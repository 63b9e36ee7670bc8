"""The Truss convention's adapter: detection, layout, build step and loading.

A Truss is a folder with ``config.yaml`` and ``model/model.py`` holding class ``Model``, plus
optional ``data/`` and ``packages/``. Its requirements come from ``config.yaml`` (``requirements``
or ``requirements_file``). The build step imports the model (never instantiates it: that needs
the serving machine's secrets) to check it and publish its typed input schema.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import yaml

from modelport.artifact.manifest import Manifest
from modelport.artifact.sources import collect_files
from modelport.dependencies import DependencyFile
from modelport.errors import ConfigError
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.project import default_model_name
from modelport.formats.truss.config import (
    CONFIG_FILE,
    TrussConfig,
    blank_secret_values,
    read_config,
)
from modelport.formats.truss.credentials import (
    MOVED_KEY,
    keep_values,
    move_to_secrets,
    moved_warning,
)
from modelport.formats.truss.schema import schema_of
from modelport.formats.truss.servable import (
    EXTERNAL_PACKAGES,
    TrussServable,
    import_model_class,
    set_environment_variables,
)
from modelport.schema import Signature
from modelport.secrets import ENV_PREFIX
from modelport.servable import Servable
from modelport.serving.conventions import ExampleRequest

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from modelport.serving.conventions import Services
    from modelport.serving.models import ModelSet

_SERVED_KEYS = ("description", "model_metadata", "resources", "runtime", "python_version")


class TrussFormat(ModelFormat):
    """Projects written as Trusses."""

    name = "truss"
    runtime_requirements = ("msgpack>=1",)  # application/octet-stream bodies (the truss extra)

    def detect(self, path: Path) -> float:
        if not (path / CONFIG_FILE).is_file():
            return 0.0
        return 0.95 if (path / "model").is_dir() else 0.3

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        root = path.resolve()
        config = read_config(root)
        folders = [
            config.expanded["model_module_dir"],
            config.data_dir,
            *config.package_dirs,
            *extra_folders,
        ]
        sources: set[str] = {CONFIG_FILE}
        for folder in folders:
            found = root / folder
            if found.is_dir() and found.resolve().is_relative_to(root):
                sources.update(collect_files(found, base=root))
        examples = root / config.expanded["examples_filename"]
        if examples.is_file():
            sources.add(examples.name)
        return ProjectLayout(
            root=root,
            default_name=_default_name(config, root),
            sources=tuple(sorted(sources)),
            dependency_root=root,
            dependency_file=_requirements_file(config),
            requirements=tuple(config.requirements),
        )

    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        config = read_config(layout.root)
        set_environment_variables(config)
        cls = import_model_class(config)
        notes = _python_note(config)
        schema = schema_of(cls)
        moved = config.credential_variables
        metadata = _metadata(config, moved=moved)
        if schema is not None:
            metadata["truss_schema"] = schema
        else:
            notes.append("predict's input is not a pydantic model: inputs are free-form JSON")
        files = _external_files(config)
        if config.pasted_secrets or moved:
            files[f"src/{CONFIG_FILE}"] = str(_write_packaged_config(config, out_dir, moved))
        if config.pasted_secrets:
            notes.append(_pasted_secrets_warning(config.pasted_secrets))
        if moved:
            workspace = keep_values({name: config.environment_variables[name] for name in moved})
            metadata[MOVED_KEY] = moved
            notes.append(moved_warning(moved, workspace))
        return BuildOutput(
            entry_point=f"{config.model_file.relative_to(layout.root)}:{config.model_class_name}",
            signature=Signature.free().to_dict(),
            metadata=metadata,
            version=str(config.expanded["model_metadata"].get("version", "0.0.0")),
            files=files,
            notes=notes,
        )

    def load(self, root: Path, manifest: Manifest) -> TrussServable:
        config = read_config(root / "src")
        return TrussServable(
            config,
            name=manifest.name,
            metadata=dict(manifest.metadata),
            example=_first_example(config),
        )

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        from modelport.formats.truss.routes import truss_routes

        return truss_routes(models)

    def example_request(self, servable: Servable) -> ExampleRequest | None:
        """Truss's ``POST /v1/models/{name}:predict`` with ``model_metadata``'s
        ``example_model_input``, else the first input of the examples file, else ``{}``."""
        if not isinstance(servable, TrussServable):
            return None
        given = servable.config.expanded["model_metadata"].get("example_model_input")
        if given is None and servable.example:
            given = servable.example[0]
        body = json.dumps(given if given is not None else {}, default=str)
        return ExampleRequest(f"/v1/models/{quote(servable.name, safe='')}:predict", body)


def _default_name(config: TrussConfig, root: Path) -> str:
    if config.model_name:
        return default_model_name(Path(config.model_name))
    return default_model_name(root)


def _requirements_file(config: TrussConfig) -> DependencyFile | None:
    """``requirements_file``, which then replaces the ``requirements`` list."""
    if not config.requirements_file:
        return None
    path = config.root / config.requirements_file
    if not path.is_file():
        raise ConfigError(
            f"requirements_file {config.requirements_file!r} does not exist",
            hint="fix the path in config.yaml (relative to the Truss folder)",
            field="requirements_file",
        )
    return DependencyFile("requirements", path)


def _metadata(config: TrussConfig, *, moved: Sequence[str] = ()) -> dict[str, Any]:
    """What the registry keeps: the served keys, and every other key of config.yaml except the
    secrets' placeholder values (names only) and the credentials ``moved`` to the secrets."""
    expanded = move_to_secrets(config.expanded, moved)
    metadata: dict[str, Any] = {key: expanded[key] for key in _SERVED_KEYS}
    metadata["truss_config"] = {
        **{k: v for k, v in expanded.items() if k != "secrets"},
        "secrets": [str(name) for name in expanded["secrets"]],
    }
    return metadata


def _python_note(config: TrussConfig) -> list[str]:
    if "python_version" not in config.declared:
        return []
    wanted = str(config.expanded["python_version"]).removeprefix("py")
    running = "".join(platform.python_version_tuple()[:2])
    if wanted == running:
        return []
    return [
        f"config.yaml asks for python_version py{wanted}; "
        f"this build uses Python {platform.python_version()}"
    ]


def _write_packaged_config(config: TrussConfig, out_dir: Path, moved: Sequence[str]) -> Path:
    """config.yaml as packaged: the same keys, every secret's value null, the credentials
    ``moved`` from ``environment_variables`` to ``secrets:``."""
    raw = yaml.safe_load((config.root / CONFIG_FILE).read_text(encoding="utf-8"))
    blanked, _ = blank_secret_values(move_to_secrets(raw, moved))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / CONFIG_FILE
    path.write_text(yaml.safe_dump(blanked, sort_keys=False), encoding="utf-8")
    return path


def _pasted_secrets_warning(names: tuple[str, ...]) -> str:
    listed = ", ".join(repr(name) for name in names)
    return (
        f"warning: config.yaml gives a value for secret {listed}; the value was dropped "
        "(the packaged config.yaml has null), as secrets are read only where the model is "
        f"served: run `modelport secret set {names[0]}`, set {ENV_PREFIX}{names[0]}, or write "
        "a file of that name in MODELPORT_SECRETS_DIR, and remove the value from config.yaml"
    )


def _external_files(config: TrussConfig) -> dict[str, str]:
    """``external_package_dirs`` outside the Truss, copied into the artifact's sources."""
    files: dict[str, str] = {}
    for index, folder in enumerate(config.expanded["external_package_dirs"]):
        path = (config.root / folder).resolve()
        if path.is_relative_to(config.root):
            continue
        if not path.is_dir():
            raise ConfigError(
                f"external package folder {folder!r} does not exist",
                hint="fix external_package_dirs in config.yaml (paths relative to the Truss)",
                field="external_package_dirs",
            )
        for name, file in collect_files(path).items():
            files[f"src/{EXTERNAL_PACKAGES}/{index}/{name}"] = str(file)
    return files


def _first_example(config: TrussConfig) -> Any:
    path = config.root / config.expanded["examples_filename"]
    if not path.is_file():
        return None
    try:
        examples = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
    if isinstance(examples, list) and examples and isinstance(examples[0], dict):
        return examples[0].get("input")
    return None
