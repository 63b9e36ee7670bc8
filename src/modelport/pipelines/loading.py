"""From a pipeline reference (``NAME`` or ``NAME:N``) to a loaded-on-demand PipelineServable.

Every step is a registered model version, loaded exactly as ``modelport serve`` loads one
(``serving.loader.load_artifact``), whatever convention it was written to. The steps run in this
process, except those the caller places ``elsewhere``: ``modelport serve PIPELINE`` runs each
step built in an environment other than its own in a worker process of that environment.

Steps of many conventions keep their code in modules of the same name (every native model has a
``main`` package; a BYOP model's files import their helper modules by name), so each step is
loaded with the code of the steps before it set aside: the modules imported from other unpacked
artifacts leave ``sys.modules`` and their folders leave ``sys.path`` (the loaded models keep
their own module objects). A step must therefore import its own modules when it loads
(module-level imports), not later inside ``predict``. (A python step's or BYOP model's own files
need none of this: the Wallaroo format imports each under a name of its own.)
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable
from pathlib import Path

from modelport.errors import NotFound
from modelport.pipelines.definition import PipelineVersion
from modelport.pipelines.logs import InferenceLog
from modelport.pipelines.servable import PipelineServable
from modelport.pipelines.step_output import capture_prints, in_step
from modelport.pipelines.store import PipelineStore
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.servable import Servable
from modelport.serving.loader import load_artifact
from modelport.settings import Settings

_DIGEST_PREFIX = re.compile(r"[0-9a-f]{32}")


def load_pipeline(
    ref: str,
    *,
    registry: RegistryStore,
    pipelines: PipelineStore,
    settings: Settings,
    log_inferences: bool = False,
    elsewhere: Callable[[ModelVersion], Servable | None] | None = None,
) -> PipelineServable:
    """The pipeline version ``ref`` names, its steps loaded (not yet initialised). Inferences
    are logged when ``log_inferences`` is set or the pipeline itself says so. ``elsewhere``
    answers, for a step's model version, what stands for it when it runs in another process
    (a worker of its own environment: ``serving.front.remote``), or None to load it here."""
    capture_prints()
    version = pipelines.resolve(ref)
    pipeline = pipelines.get(name=version.pipeline, workspace=version.workspace)
    steps: list[tuple[str, Servable]] = []
    digests: list[str] = []
    for step, found in zip(version.definition.steps, step_versions(version, registry), strict=True):
        remote = elsewhere(found) if elsewhere is not None else None
        if remote is not None:
            steps.append((step.ref, remote))
            digests.append(found.digest)
            continue
        _set_aside_artifact_code()
        with in_step(step.ref):  # what its modules print as they are imported: to the log
            loaded = load_artifact(
                registry.artifact_path(found),
                settings=settings,
                version=found.number,
                expected_digest=found.digest,
            )
        steps.append((step.ref, loaded.servable))
        digests.append(found.digest)
    log = None
    if log_inferences or pipeline.log_inferences:
        log = InferenceLog.of(version.pipeline, settings=settings, workspace=version.workspace)
    return PipelineServable(version, steps, log=log, digests=digests)


def step_versions(version: PipelineVersion, registry: RegistryStore) -> list[ModelVersion]:
    """The registered model version of each step, in order (NotFound naming the step)."""
    found = []
    for index, step in enumerate(version.definition.steps, start=1):
        try:
            found.append(registry.get_version(name=step.model, number=step.version))
        except NotFound as exc:
            raise NotFound(
                f"step {index} of pipeline {version.ref} is {step.ref}: {exc.message}",
                hint=exc.hint,
                field=f"steps[{index - 1}]",
            ) from exc
    return found


def _set_aside_artifact_code() -> None:
    """Forget the modules imported from, and the import paths into, unpacked artifacts (of any
    modelport home: folders ``unpacked/<digest prefix>`` as ``serving.loader`` makes them)."""
    sys.path[:] = [entry for entry in sys.path if not _is_unpacked(entry)]
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and _is_unpacked(file):
            del sys.modules[name]


def _is_unpacked(path: str) -> bool:
    parts = Path(path).parts
    return any(
        parent == "unpacked" and _DIGEST_PREFIX.fullmatch(child)
        for parent, child in itertools.pairwise(parts)
    )
