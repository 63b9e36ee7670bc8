"""Changing a pipeline: each change is checked first, then stored as a new version.

Steps are given as registry references (``iris``, ``iris:2``, ``iris@production``) and pinned
to the version they name at that moment, so a pipeline version always runs the same models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.formats.wallaroo.names import check_dns_name
from modelport.pipelines.definition import Definition, PipelineVersion, Step, Validation
from modelport.pipelines.links import check_links, check_validations
from modelport.pipelines.store import PipelineStore
from modelport.pipelines.validations import compile_validation
from modelport.registry.entities import DEFAULT_WORKSPACE
from modelport.registry.store import RegistryStore
from modelport.schema import Signature

LABEL_MAX = 100


def create_pipeline(
    name: str,
    *,
    registry: RegistryStore,
    pipelines: PipelineStore,
    steps: Sequence[str] = (),
    description: str | None = None,
    log_inferences: bool = False,
    workspace: str = DEFAULT_WORKSPACE,
) -> PipelineVersion:
    """A new pipeline whose version 1 runs ``steps`` (model references) in order; its name
    follows Wallaroo's rule (DNS-compliant), as model names do."""
    check_dns_name(name)
    try:
        registry.get_model(name=name, workspace=workspace)
    except NotFound:
        pass
    else:
        raise Conflict(
            f"a model is already called {name!r}",
            hint="give the pipeline another name, so `modelport serve NAME` names one thing",
            field="name",
        )
    definition = Definition(steps=tuple(_pinned(registry, ref, workspace) for ref in steps))
    _check(registry, definition, workspace)
    return pipelines.create(
        name=name,
        definition=definition,
        description=description,
        log_inferences=log_inferences,
        workspace=workspace,
    )


def add_step(
    name: str,
    model_ref: str,
    *,
    registry: RegistryStore,
    pipelines: PipelineStore,
    workspace: str = DEFAULT_WORKSPACE,
) -> PipelineVersion:
    """A new version of the pipeline with the model ``model_ref`` as its last step."""
    current = pipelines.get_version(name=name, workspace=workspace).definition
    step = _pinned(registry, model_ref, workspace)
    definition = replace(current, steps=(*current.steps, step))
    _check(registry, definition, workspace)
    return pipelines.add_version(name=name, definition=definition, workspace=workspace)


def add_validation(
    name: str,
    label: str,
    expression: str,
    *,
    registry: RegistryStore,
    pipelines: PipelineStore,
    workspace: str = DEFAULT_WORKSPACE,
) -> PipelineVersion:
    """A new version of the pipeline with one more validation."""
    if not label.strip() or len(label) > LABEL_MAX:
        raise InvalidInput(
            f"validation label {label!r} must be 1 to {LABEL_MAX} characters", field="label"
        )
    current = pipelines.get_version(name=name, workspace=workspace).definition
    if any(v.label == label for v in current.validations):
        raise Conflict(
            f"pipeline {name!r} already has a validation labelled {label!r}",
            hint="pick another label",
            field="label",
        )
    validation = Validation(label, expression.strip())
    compile_validation(validation)
    definition = replace(current, validations=(*current.validations, validation))
    _check(registry, definition, workspace)
    return pipelines.add_version(name=name, definition=definition, workspace=workspace)


def _pinned(registry: RegistryStore, ref: str, workspace: str) -> Step:
    try:
        version = registry.resolve(ref, workspace=workspace)
    except NotFound as exc:
        raise NotFound(
            f"step {ref!r} names no registered model version: {exc.message}",
            hint=exc.hint or "Run `modelport models list` to list models.",
            field="model_ref",
        ) from exc
    return Step(version.model, version.number)


def _check(registry: RegistryStore, definition: Definition, workspace: str) -> None:
    """Refuse a definition whose steps do not fit together or whose validations read columns
    the last step does not return (from the signatures the registry holds)."""
    signatures = []
    for step in definition.steps:
        found = registry.get_version(name=step.model, number=step.version, workspace=workspace)
        signatures.append((step.ref, Signature.from_dict(found.signature)))
    check_links(signatures)
    validations = [compile_validation(v) for v in definition.validations]
    check_validations(validations, signatures[-1] if signatures else None)
