"""``modelport serve --deepaas [NAME ...]``: the registered DEEPaaS models in one server.

Every registered DEEPaaS model (the newest version of each; a package registers one per entry
point) is served; NAMEs pick registry models or entry points (default: all). They share one process,
so they must share one environment: packages built in different environments are refused with
the advice to serve them separately. With ``--register``, each finished training job's copy of
the package (with what ``train`` wrote into it) is built and registered as a new version.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from modelport.artifact.reader import open_artifact
from modelport.builder.build import build_project
from modelport.builder.build_options import BuildOptions, EnvMode
from modelport.cli.context import STATE
from modelport.cli.keys_cmd import check_signed
from modelport.cli.targets import reexec_in_model_environment
from modelport.errors import ConfigError, NotFound
from modelport.formats.deepaas.entry_points import FORMAT_NAME
from modelport.formats.deepaas.format import ENTRY_POINTS_KEY, DeepaasFormat
from modelport.registry.entities import ModelVersion

if TYPE_CHECKING:
    from modelport.serving.launch import ServeOptions


def serve_deepaas(
    names: list[str],
    options: ServeOptions,
    no_reexec: bool,
    register: bool,
    passthrough: list[str],
) -> None:
    versions = _deepaas_versions()
    if not versions:
        raise NotFound(
            "no DEEPaaS model is registered",
            hint="build your DEEPaaS package first: modelport build ./package-dir",
        )
    artifacts = {
        v.digest: open_artifact(
            STATE.store.artifact_path(v), max_bytes=STATE.settings.max_artifact_bytes
        )
        for v in versions
    }
    for artifact in artifacts.values():
        check_signed(artifact)  # with the require_signatures setting: before anything loads
    entry_names = {v.model: _entry_name(artifacts[v.digest].manifest.entry_point) for v in versions}
    if names:
        unknown = sorted(set(names) - set(entry_names) - set(entry_names.values()))
        if unknown:
            raise NotFound(
                f"no registered DEEPaaS model or entry point called {', '.join(unknown)}",
                hint="`modelport models list` lists the registered models",
            )
        versions = [v for v in versions if {v.model, entry_names[v.model]} & set(names)]
    artifacts = {v.digest: artifacts[v.digest] for v in versions}
    environments = {
        (tuple(a.manifest.lock), a.manifest.build.get("environment")) for a in artifacts.values()
    }
    if len(environments) > 1:
        raise ConfigError(
            "these DEEPaaS models were built in different environments and cannot share one "
            f"process: {', '.join(v.model for v in versions)}",
            hint="serve each with its own `modelport serve --deepaas NAME --port ...`",
        )
    if not no_reexec:
        first = next(iter(artifacts.values()))
        reexec_in_model_environment(
            first.manifest.lock,
            first.manifest.build,
            [
                "serve",
                "--deepaas",
                *names,
                "--no-reexec",
                *(["--register"] if register else []),
                *passthrough,
            ],
        )

    from modelport.artifact.reader import unpacked_root
    from modelport.serving.launch import Served, configure_logging, serve
    from modelport.serving.quickstart import curl_line, example_request

    configure_logging()

    served = []
    version_of: dict[str, ModelVersion] = {}
    for version in versions:
        artifact = artifacts[version.digest]
        servable = DeepaasFormat().load(unpacked_root(artifact, STATE.settings), artifact.manifest)
        served.append(Served(servable))
        version_of[servable.name] = version

    def register_version(model: str, folder: Path) -> str:
        return register_trained(version_of[model], folder)

    base = options.base_url
    serve(
        served,
        options,
        STATE.services(register_version if register else None),
        banner=[
            f"Serving DEEPaaS models {', '.join(version_of)} at {base} (API at {base}/api)",
            curl_line(base, example_request(served[0].servable)),
        ],
    )


def register_trained(version: ModelVersion, folder: Path) -> str:
    """Build and register a training job's copy of the package as a new version of the model
    (in the environment the model was built with); answers ``name:number``."""
    env: EnvMode = "auto" if version.build.get("environment") == "venv" else "inherit"
    single = len(version.metadata.get(ENTRY_POINTS_KEY) or {}) == 1
    result = build_project(
        folder,
        store=STATE.store,
        settings=STATE.settings,
        options=BuildOptions(name=version.model if single else None, env=env, format=FORMAT_NAME),
    )
    for registered in [result.version, *result.others]:
        if registered.model == version.model:
            return f"{registered.model}:{registered.number}"
    return f"{result.version.model}:{result.version.number}"


def _entry_name(entry_point: str) -> str:
    """The entry point's own name, from the manifest's ``name = module[:attribute]``."""
    return entry_point.partition("=")[0].strip()


def _deepaas_versions() -> list[ModelVersion]:
    """The newest version of every registered DEEPaaS model."""
    store = STATE.store
    found = []
    for model in store.list_models():
        versions = store.list_versions(name=model.name)
        if versions and versions[-1].source_format == FORMAT_NAME:
            found.append(versions[-1])
    return found
