"""The General Python Prediction Interface: importing an entrypoint the way Odahu's model server
did, and calling its functions.

Before the import, ``MODEL_LOCATION`` is set to the model's working directory (absolute, so it is
right whether the entrypoint joins it to the working directory or not), that directory is put on
``sys.path``, and the import and ``init()`` run with it as the working directory. ``init()`` is
called once per process and answers the prediction mode: ``matrix`` or ``objects``.

Every later call into the entrypoint (predictions, ``get_info()``, the type and serializer
functions) runs with ``workDir`` as the working directory and ``MODEL_LOCATION`` set again, so an
entrypoint may open files relative to it whenever it runs. The working directory and the
environment belong to the whole process, so one lock serialises these calls across all the Odahu
models a process serves: each call sees its own model's folder, never another's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from modelport.errors import ConfigError, ModelFailed
from modelport.formats.odahu.info import ModelInfo, model_info
from modelport.formats.odahu.manifest import OdahuManifest

PredictionMode = Literal["matrix", "objects"]
MODES: tuple[PredictionMode, ...] = ("matrix", "objects")
INFO_FUNCTIONS = ("get_info", "info")
"""The spec's name, then the one Odahu's own entrypoints define."""

_PROCESS_STATE = threading.RLock()
"""Held while the environment and working directory are set for one model's calls (reentrant:
a prediction calls the type and serializer functions inside the same hold)."""


@dataclass(frozen=True)
class GppiModel:
    """An imported and initialised GPPI entrypoint."""

    module: ModuleType
    mode: PredictionMode
    entrypoint: str
    work_dir: Path

    def working(self) -> contextlib.AbstractContextManager[None]:
        """Hold the process with ``workDir`` as the working directory and ``MODEL_LOCATION``
        pointing at it; wrap every call into the entrypoint in it."""
        return _in_work_dir(self.work_dir)

    def info(self) -> ModelInfo:
        """The inputs and outputs the entrypoint describes (free-form when it does not)."""
        for name in INFO_FUNCTIONS:
            function = getattr(self.module, name, None)
            if callable(function):
                with self.working():
                    described = self._call(name, function)
                return model_info(described, function=name)
        return model_info(None)

    def predict_on_matrix(
        self, matrix: list[list[Any]], columns: list[str] | None
    ) -> tuple[Any, list[str]]:
        """``predict_on_matrix(matrix, provided_columns_names)``: the result and its columns."""
        answer = self.module.predict_on_matrix(matrix, columns)
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            raise ModelFailed(
                f"{self.entrypoint}.predict_on_matrix returned {type(answer).__name__}",
                hint="return a pair (result matrix, result column names)",
            )
        result, names = answer
        return result, [str(name) for name in (names if names is not None else ())]

    def predict_on_objects(self, objects: list[Any]) -> Any:
        """``predict_on_objects`` on objects of the entrypoint's input type; objects of its
        output type come back as JSON-friendly values."""
        return self.from_output_objects(
            self.module.predict_on_objects(self.to_input_objects(objects))
        )

    def to_input_objects(self, objects: list[Any]) -> list[Any]:
        """JSON objects as ``get_object_input_type()`` asks for (dicts by default)."""
        make = getattr(self.module, "get_object_input_type", None)
        kind = make() if callable(make) else None
        if kind is None or kind in (dict, list, Any) or not isinstance(kind, type):
            return objects
        validate = getattr(kind, "model_validate", None) or getattr(kind, "parse_obj", None)
        if callable(validate):
            return [validate(item) for item in objects]
        return [kind(**item) if isinstance(item, dict) else kind(item) for item in objects]

    def from_output_objects(self, answer: Any) -> Any:
        """Objects of ``get_object_output_type()`` as plain values for the serializer: a
        pydantic model's ``model_dump()`` (or ``dict()``), a dataclass's fields, else ``vars()``.
        Without that function the answer is already a list of dicts and is kept as it is."""
        make = getattr(self.module, "get_object_output_type", None)
        kind = make() if callable(make) else None
        if kind is None or kind in (dict, list, Any) or not isinstance(kind, type):
            return answer
        if isinstance(answer, kind):
            return _plain_object(answer)
        if isinstance(answer, list | tuple):
            return [_plain_object(item) if isinstance(item, kind) else item for item in answer]
        return answer

    def json_encoder(self) -> type[json.JSONEncoder]:
        """``get_output_json_serializer()`` when the entrypoint has one, else one that also
        writes numpy values."""
        make = getattr(self.module, "get_output_json_serializer", None)
        encoder = make() if callable(make) else None
        if encoder is None:
            return NumpyAwareEncoder
        if not (isinstance(encoder, type) and issubclass(encoder, json.JSONEncoder)):
            raise ConfigError(
                f"{self.entrypoint}.get_output_json_serializer() returned {encoder!r}",
                hint="return a json.JSONEncoder subclass (or None for the default)",
            )
        return encoder

    def _call(self, name: str, function: Any) -> Any:
        try:
            return function()
        except Exception as exc:
            raise ModelFailed(
                f"{self.entrypoint}.{name}() raised {type(exc).__name__}: {exc}",
                hint=f"fix {name}() in the entrypoint",
            ) from exc


def _plain_object(item: Any) -> Any:
    dump = getattr(item, "model_dump", None)  # pydantic 2
    if callable(dump):
        return dump()
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    if hasattr(type(item), "__fields__") and callable(getattr(item, "dict", None)):
        return item.dict()  # pydantic 1
    return dict(vars(item))


class NumpyAwareEncoder(json.JSONEncoder):
    """The default response encoder: JSON, with numpy scalars and arrays as plain values."""

    def default(self, o: Any) -> Any:
        for attribute in ("tolist", "item"):
            convert = getattr(o, attribute, None)
            if callable(convert) and type(o).__module__ == "numpy":
                return convert()
        return super().default(o)


def load_gppi(root: Path, manifest: OdahuManifest) -> GppiModel:
    """Import the entrypoint of the artifact unpacked at ``root`` and call its ``init()``."""
    work_dir = (root / manifest.work_dir).resolve()
    if not work_dir.is_dir():
        raise ConfigError(
            f"{manifest.file_name}: model.workDir {manifest.work_dir!r} is not a folder of the "
            "artifact",
            hint="name the folder holding the entrypoint module",
            field="model.workDir",
        )
    with _in_work_dir(work_dir):
        if str(work_dir) not in sys.path:
            sys.path.insert(0, str(work_dir))
        module = _import(manifest.entrypoint, work_dir, manifest.file_name)
        mode = _init(module, manifest.entrypoint)
    return GppiModel(module=module, mode=mode, entrypoint=manifest.entrypoint, work_dir=work_dir)


def _import(entrypoint: str, work_dir: Path, manifest_file: str) -> ModuleType:
    try:
        with _modules_of_this_artifact(entrypoint, work_dir):
            return importlib.import_module(entrypoint)
    except ModuleNotFoundError as exc:
        if exc.name is not None and entrypoint.startswith(exc.name):
            raise ConfigError(
                f"{manifest_file}: model.entrypoint {entrypoint!r} is not a module in "
                f"model.workDir ({work_dir.name or '.'})",
                hint=f"add {entrypoint.replace('.', '/')}.py there, or fix model.entrypoint",
                field="model.entrypoint",
            ) from exc
        raise ModelFailed(
            f"importing {entrypoint} failed: {exc}",
            hint="add the missing package to the conda file at binaries.conda_path",
        ) from exc
    except Exception as exc:
        raise ModelFailed(
            f"importing {entrypoint} raised {type(exc).__name__}: {exc}",
            hint="fix the entrypoint module's top-level code",
        ) from exc


def _init(module: ModuleType, entrypoint: str) -> PredictionMode:
    init = getattr(module, "init", None)
    if not callable(init):
        raise ConfigError(
            f"entrypoint {entrypoint} has no init() function",
            hint="define init() returning 'matrix' or 'objects' (the GPPI requires it)",
            field="init",
        )
    try:
        mode = init()
    except Exception as exc:
        raise ModelFailed(
            f"{entrypoint}.init() raised {type(exc).__name__}: {exc}",
            hint="fix init() in the entrypoint",
        ) from exc
    if mode not in MODES:
        raise ConfigError(
            f"{entrypoint}.init() returned {mode!r}",
            hint="return the prediction mode: 'matrix' or 'objects'",
            field="init",
        )
    wanted = f"predict_on_{mode}"
    if not callable(getattr(module, wanted, None)):
        raise ConfigError(
            f"{entrypoint}.init() chose {mode} mode but the module has no {wanted}()",
            hint=f"define {wanted}(), or return the other mode from init()",
            field=wanted,
        )
    found: PredictionMode = mode
    return found


@contextlib.contextmanager
def _modules_of_this_artifact(entrypoint: str, work_dir: Path) -> Iterator[None]:
    """Import the entrypoint even when a module of its top-level name was imported from
    elsewhere (two artifacts both calling theirs ``entrypoint``): the other modules are set
    aside while this one is imported, then put back."""
    top = entrypoint.split(".")[0]
    loaded = sys.modules.get(top)
    location = getattr(loaded, "__file__", None)
    if loaded is None or (location and Path(location).resolve().is_relative_to(work_dir)):
        yield
        return
    family = [name for name in sys.modules if name == top or name.startswith(top + ".")]
    saved = {name: sys.modules.pop(name) for name in family}
    try:
        yield
    finally:
        sys.modules.update(saved)


@contextlib.contextmanager
def _in_work_dir(work_dir: Path) -> Iterator[None]:
    with _PROCESS_STATE:
        previous = Path.cwd()
        os.environ["MODEL_LOCATION"] = str(work_dir)
        os.chdir(work_dir)
        try:
            yield
        finally:
            os.chdir(previous)
