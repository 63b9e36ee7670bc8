"""Bring-Your-Own-Predict models: the ``InferenceBuilder`` subclass of an unzipped folder.

As Wallaroo's loader does, every ``*.py`` at the top of the folder is imported (as
``custom_inference``, numbered: see ``modules``); exactly one ``InferenceBuilder`` subclass
must be found; its ``create`` gets a ``CustomInferenceConfig`` whose ``model_path`` is the
folder, and returns the ``Inference`` whose ``predict`` serves requests.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError, ModelFailed
from modelport.formats.wallaroo.data_rules import check_output
from modelport.formats.wallaroo.mac_modules import ensure_mac_importable
from modelport.formats.wallaroo.modules import import_file, importable_folder
from modelport.schema import Signature
from modelport.servable import Servable

MODULE_PREFIX = "custom_inference"
NO_MODULES = "No Python modules found in the given path."
NO_BUILDER = "No InferenceBuilder subclass found in the given files."
SEVERAL_BUILDERS = "Multiple InferenceBuilder subclasses found in the given files."


def load_inference(model_path: Path) -> Any:
    """The ready Inference the folder's one InferenceBuilder creates; ConfigError otherwise."""
    ensure_mac_importable()
    from mac.config.inference import CustomInferenceConfig

    builder = _builder_class(model_path)
    _check_abstract(builder, "InferenceBuilder subclass", {"create", "inference"})
    inference_class = _inference_class(builder())
    _check_abstract(inference_class, "Inference subclass", {"expected_model_types", "_predict"})
    _check_predict_parameters(inference_class)
    config = CustomInferenceConfig(framework="custom", model_path=model_path)
    try:
        inference = builder().create(config)
    except Exception as exc:
        raise ConfigError(
            f"{builder.__name__}.create(config) raised {type(exc).__name__}: {exc}",
            hint="create() must load the model from config.model_path and assign it",
        ) from exc
    from mac.inference import Inference

    if not isinstance(inference, Inference):
        raise ConfigError(
            f"{builder.__name__}.create() returned {type(inference).__name__}, not an Inference",
            hint="return the Inference instance whose model you assigned",
        )
    return inference


def _builder_class(model_path: Path) -> type:
    from mac.inference.creation import InferenceBuilder

    sources = sorted(model_path.glob("*.py"))
    if not sources:
        raise ConfigError(
            NO_MODULES,
            hint="put the .py file defining the InferenceBuilder subclass at the top of the "
            "zip's folder",
        )
    importable_folder(model_path)
    found: set[type] = set()
    for source in sources:
        module = import_file(source, MODULE_PREFIX)
        found |= {
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, InferenceBuilder)
            and value is not InferenceBuilder
            and value.__module__ == module.__name__
        }
    if not found:
        raise ConfigError(
            NO_BUILDER,
            hint="define a subclass of mac.inference.creation.InferenceBuilder",
        )
    if len(found) > 1:
        names = ", ".join(sorted(c.__name__ for c in found))
        raise ConfigError(SEVERAL_BUILDERS, hint=f"keep one of {names}")
    return found.pop()


def _check_abstract(cls: type, what: str, members: set[str]) -> None:
    missing = sorted(members & set(getattr(cls, "__abstractmethods__", ())))
    if missing:
        raise ConfigError(
            f"{what} {cls.__name__} does not define {', '.join(missing)}",
            hint=f"implement {' and '.join(missing)} (see the mac base class)",
            field=cls.__name__,
        )


def _check_predict_parameters(cls: type) -> None:
    parameters = list(inspect.signature(cls._predict).parameters)  # type: ignore[attr-defined]
    if len(parameters) != 2:
        raise ConfigError(
            f"{cls.__name__}._predict takes {parameters[1:]} instead of one argument",
            hint="define _predict(self, input_data: InferenceData) -> InferenceData",
            field=f"{cls.__name__}._predict",
        )


def _inference_class(builder: Any) -> type:
    from mac.inference import Inference

    try:
        made = builder.inference
    except TypeError as exc:  # it instantiated an Inference subclass missing a member
        raise ConfigError(
            f"{type(builder).__name__}.inference raised TypeError: {exc}",
            hint="implement expected_model_types and _predict in the Inference subclass",
        ) from exc
    cls = made if inspect.isclass(made) else type(made)
    if not issubclass(cls, Inference):
        raise ConfigError(
            f"{type(builder).__name__}.inference gives {cls.__name__}, not an Inference subclass",
            hint="return your mac.inference.Inference subclass (or an instance of it)",
        )
    return cls


class ByopServable(Servable):
    """Serves the Inference of a BYOP model; its ``_predict`` takes and returns InferenceData."""

    def __init__(
        self, model_path: Path, *, name: str, signature: Signature, metadata: dict[str, Any]
    ) -> None:
        self.model_path = model_path
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.inference: Any = None
        self._output_schema = signature.output_schema if signature.outputs else None

    def load(self) -> None:
        self.inference = load_inference(self.model_path)

    def predict(self, batch: Batch) -> pa.Table:
        answer = self.inference.predict(dict(batch.columns()))
        output = _inference_data(answer)
        return check_output(output, rows=batch.num_rows, schema=self._output_schema)


def _inference_data(answer: Any) -> dict[str, Any]:
    """Refuse what is not InferenceData (a dict of numpy arrays), as Wallaroo does."""
    if not isinstance(answer, dict) or not all(isinstance(v, np.ndarray) for v in answer.values()):
        raise ModelFailed(
            f"_predict returned {type(answer).__name__}, not InferenceData "
            "(a dict of column name to numpy array)",
            hint="return a dict whose values are numpy arrays, one row per input row",
        )
    return answer
