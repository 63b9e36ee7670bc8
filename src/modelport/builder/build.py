"""``modelport build``: project -> environment -> build step -> unit tests -> artifact -> registry.

The building process never imports user code: the build step runs in the model's environment
(``modelport.builder.worker``) and the tests run there with pytest.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import modelport
from modelport.artifact.manifest import FORMAT_VERSION, Manifest
from modelport.artifact.signing import KeyRing, sign_manifest
from modelport.artifact.sources import source_digest
from modelport.artifact.writer import ArtifactInfo, write_artifact
from modelport.builder.build_options import BuildOptions, EnvMode
from modelport.builder.environment import Environment, inherit_environment, prepare_environment
from modelport.builder.lineage import lineage_of
from modelport.builder.own_requirements import without_provided
from modelport.builder.package_index import configured_index, environment_options, redacted
from modelport.builder.progress import Progress, SilentProgress
from modelport.builder.scratch import owned_folder, sweep
from modelport.builder.served_tests import run_served_tests
from modelport.builder.testrun import TestReport, check_report, run_tests
from modelport.builder.worker import RESULT_FILE
from modelport.dependencies import find_dependency_file
from modelport.errors import BuildFailed, ConfigError, InvalidInput, ModelportError, NotFound
from modelport.formats.base import OWN_ENVIRONMENT, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.detect import detect_format
from modelport.registry.entities import ModelVersion
from modelport.registry.refs import validate_name
from modelport.registry.store import RegistryStore
from modelport.settings import Settings
from modelport.tether import run_in_group

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class BuildResult:
    version: ModelVersion
    created: bool
    """False when an identical artifact was already registered (no new version)."""
    artifact: ArtifactInfo
    environment: Environment
    tests: TestReport | None
    """The unit tests' report (None when they did not run)."""
    integration_tests: TestReport | None = None
    """The integration tests' report, of the first model, when they ran."""
    notes: list[str] = field(default_factory=list)
    others: list[ModelVersion] = field(default_factory=list)
    """The other models the build registered, when the project holds several."""


def build_project(
    path: Path,
    *,
    store: RegistryStore,
    settings: Settings,
    options: BuildOptions | None = None,
    format_options: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the project at ``path`` and register it; see the module docstring for the steps.

    ``format_options`` are the convention's own build options (Wallaroo's framework and schemas:
    ``formats.wallaroo.options.upload_options``), handed to its build step as they are.
    """
    options = options or BuildOptions()
    format_options = dict(format_options or {})
    progress = progress or SilentProgress()

    sweep(settings.envs_dir)  # what builds killed outright left behind
    signing_key = KeyRing(settings.keys_dir).signing_key()  # a registry with a key signs
    progress.step("reading the project")
    adapter = detect_format(path, override=options.format)
    _check_format_options(adapter, format_options)
    layout = adapter.layout(path, extra_folders=options.extra_folders)
    name = options.name or layout.default_name
    validate_name(name, field="name")
    progress.info(f"{adapter.name} project, model {name!r}, {len(layout.sources)} source files")

    progress.step("preparing the environment")
    environment = _environment(layout, options, settings, progress, adapter.runtime_requirements)

    progress.step("running the build step")
    with owned_folder("modelport-build-") as work:
        output = _run_build_step(
            environment, adapter.name, layout, work / "out", options, format_options
        )
        for note in output.notes:
            progress.info(note)

        tests: TestReport | None = None
        if options.run_unit_tests and layout.unit_tests:
            progress.step(f"running unit tests ({layout.unit_tests})")
            tests = run_tests(
                environment.python,
                layout.root,
                layout.unit_tests,
                plugins=layout.test_plugins,
            )
            check_report(tests)
            progress.info(f"{tests.passed} passed, {tests.skipped} skipped")
        elif not options.run_unit_tests:
            at_build = layout.integration_tests if layout.integration_tests_at_build else None
            skipped = " and ".join(filter(None, (layout.unit_tests, at_build)))
            if skipped:
                progress.info(f"warning: --skip-tests: {skipped} not run")

        integration: dict[str, TestReport] = {}
        registered: list[tuple[ModelVersion, bool, ArtifactInfo]] = []
        for model_name, entry_point in _models(name, output, options).items():
            progress.step(f"writing the artifact of {model_name}")
            one = dataclasses.replace(output, entry_point=entry_point)
            artifact = _write(
                work / f"{model_name}.zip",
                model_name,
                adapter.name,
                layout,
                one,
                environment,
                options.env,
                tests,
                signing_key,
            )
            progress.info(f"{artifact.digest} ({artifact.size:,} bytes)")

            if _runs_integration_tests(layout, options):
                assert layout.integration_tests is not None
                progress.step(
                    f"serving the build for its integration tests ({layout.integration_tests})"
                )
                report = _served_tests(environment, layout, artifact, model_name, work, options)
                check_report(report, kind="integration")
                progress.info(f"{report.passed} passed, {report.skipped} skipped")
                integration[model_name] = report

            progress.step(f"registering {model_name}")
            version, created = store.register_version(
                name=model_name,
                artifact=artifact.path,
                digest=artifact.digest,
                signature=output.signature,
                metadata=output.metadata,
                lineage={
                    **lineage_of(
                        layout.root, source_digest=artifact.manifest.build.get("source_digest")
                    ),
                    **options.lineage,
                },
                build=_registered_build(artifact.manifest.build, integration.get(model_name)),
                source_format=adapter.name,
                description=output.metadata.get("description"),
                workspace=options.workspace,
            )
            registered.append((version, created, artifact))
    version, created, artifact = registered[0]
    return BuildResult(
        version=version,
        created=created,
        artifact=artifact,
        environment=environment,
        tests=tests,
        integration_tests=integration.get(version.model),
        notes=output.notes,
        others=[v for v, _, _ in registered[1:]],
    )


def _registered_build(build: dict[str, Any], integration: TestReport | None) -> dict[str, Any]:
    """The build record the registry keeps: the artifact's own, plus the integration tests'
    report when they ran (they run against the written artifact, so its manifest cannot hold it)."""
    return build if integration is None else {**build, "integration_tests": integration.to_record()}


def _check_format_options(adapter: ModelFormat, options: Mapping[str, str]) -> None:
    unknown = sorted(set(options) - adapter.option_names)
    if unknown:
        takes = ", ".join(sorted(adapter.option_names)) or "none"
        raise ConfigError(
            f"the {adapter.name} format has no build option {', '.join(unknown)}",
            hint=f"its build options: {takes}",
            field=unknown[0],
        )


def _models(name: str, output: BuildOutput, options: BuildOptions) -> dict[str, str]:
    """Model name -> entry point of every model the build registers: the one model named
    ``name``, or each model the project declares (``BuildOutput.models``)."""
    if not output.models:
        return {name: output.entry_point}
    if options.name and len(output.models) > 1:
        raise ConfigError(
            f"this project holds {len(output.models)} models ({', '.join(output.models)}), "
            "each registered under its own name",
            hint="build without --name",
            field="name",
        )
    if options.name:
        return {options.name: next(iter(output.models.values()))}
    for model_name in output.models:
        validate_name(model_name, field="name")
    return dict(output.models)


def _environment(
    layout: ProjectLayout,
    options: BuildOptions,
    settings: Settings,
    progress: Progress,
    convention: tuple[str, ...],
) -> Environment:
    declared = layout.requirements
    dependency_file = layout.dependency_file or (
        find_dependency_file(layout.dependency_root) if declared is None else None
    )
    if options.env == "inherit":
        progress.info("using the current interpreter (--env inherit)")
        return inherit_environment()
    requirements = dependency_file.requirements() if dependency_file else list(declared or [])
    if dependency_file or declared:
        source = dependency_file.path.name if dependency_file else "the project's config"
        progress.info(f"{len(requirements)} requirements from {source}")
    requirements = without_provided(requirements, layout.provided_packages, progress.info)
    pandas = layout.needs_pandas or options.sample is not None  # samples are read by pandas
    if not pandas:
        progress.info("the model takes no DataFrames: its environment leaves pandas out")
    index_options = environment_options(
        dependency_file.options() if dependency_file else [],
        configured_index(
            settings,
            index_url=options.index_url,
            extra_index_urls=options.extra_index_urls,
            find_links=options.find_links,
        ),
        index_url_flag=options.index_url,
    )
    if index_options:
        progress.info(f"package sources: {redacted(index_options)}")
    return prepare_environment(
        requirements,
        envs_dir=settings.envs_dir,
        options=index_options,
        source=dependency_file.path if dependency_file else None,
        pandas=pandas,
        convention=convention,
        progress=progress.info,
    )


_ERRORS: dict[str, type[ModelportError]] = {
    "ConfigError": ConfigError,
    "InvalidInput": InvalidInput,
    "NotFound": NotFound,
    "BuildFailed": BuildFailed,
}


def _run_build_step(
    environment: Environment,
    format_name: str,
    layout: ProjectLayout,
    out: Path,
    options: BuildOptions,
    format_options: Mapping[str, str],
) -> BuildOutput:
    command = [
        str(environment.python),
        "-m",
        "modelport.builder.worker",
        "--format",
        format_name,
        "--project",
        str(layout.root),
        "--out",
        str(out),
        "--parent",
        str(os.getpid()),
    ]
    for folder in options.extra_folders:
        command += ["--extra-folder", folder]
    if options.sample:
        command += ["--sample", str(options.sample.resolve())]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if options.env == "auto":
        env[OWN_ENVIRONMENT] = "1"
    else:  # the developer's own interpreter, even inside another build's step
        env.pop(OWN_ENVIRONMENT, None)
    # no size limit on stdin, unlike a command line
    completed = run_in_group(command, input=json.dumps(dict(format_options)), env=env)
    result_path = out / RESULT_FILE
    if not result_path.exists():
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-15:])
        raise BuildFailed(
            f"the build step exited with code {completed.returncode} before reporting:\n{tail}",
            hint="check that the environment can import your model",
        )
    result: dict[str, Any] = json.loads(result_path.read_text())
    if not result["ok"]:
        error = result["error"]
        exc_class = _ERRORS.get(error["kind"], BuildFailed)
        message = error["message"]
        if error["kind"] == "user":
            message = f"the build step raised {message}"
        failure = exc_class(message)
        failure.details = error["traceback"]
        raise failure
    return BuildOutput(**result["output"])


def _runs_integration_tests(layout: ProjectLayout, options: BuildOptions) -> bool:
    if not options.run_unit_tests or layout.integration_tests is None:
        return False
    return options.integration_tests == "always" or layout.integration_tests_at_build


def _served_tests(
    environment: Environment,
    layout: ProjectLayout,
    artifact: ArtifactInfo,
    name: str,
    work: Path,
    options: BuildOptions,
) -> TestReport:
    """The integration tests, run against the new artifact served by ``modelport serve``."""
    folder = layout.integration_tests
    assert folder is not None
    try:
        return run_served_tests(
            environment.python,
            layout.root,
            folder,
            target=str(artifact.path),
            model=name,
            log_dir=work,
            extra_args=options.test_args,
            plugins=layout.test_plugins,
            ready_timeout=options.ready_timeout,
        )
    except ModelportError as exc:
        raise BuildFailed(
            f"the new build could not be served for {folder}: {exc.message}",
            hint=exc.hint or "run `modelport serve` on the project to see the whole error",
        ) from exc


def _write(
    dest: Path,
    name: str,
    format_name: str,
    layout: ProjectLayout,
    output: BuildOutput,
    environment: Environment,
    environment_mode: EnvMode,
    tests: TestReport | None,
    signing_key: Ed25519PrivateKey | None,
) -> ArtifactInfo:
    files: dict[str, Path | bytes] = {f"src/{rel}": layout.root / rel for rel in layout.sources}
    files.update({f"src/{rel}": path for rel, path in layout.external_sources.items()})
    files.update({arcname: Path(p) for arcname, p in output.files.items()})
    build_record: dict[str, Any] = {
        "source_digest": source_digest(layout.root, layout.sources),
        "modelport_version": modelport.__version__,
        "tests": tests.to_record() if tests else None,
        "environment": "inherit" if environment_mode == "inherit" else "venv",
        **output.record,
    }
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        name=name,
        version=output.version,
        source_format=format_name,
        entry_point=output.entry_point,
        signature=output.signature,
        metadata=output.metadata,
        python_version=environment.python_version or platform.python_version(),
        lock=list(environment.lock),
        files={},
        build=build_record,
    )
    sign = None if signing_key is None else functools.partial(sign_manifest, signing_key)
    return write_artifact(dest, manifest=manifest, files=files, sign=sign)
