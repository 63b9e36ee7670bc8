"""An MLflow model served through ``mlflow.pyfunc.load_model``, in the model's own environment.

The model takes what its signature says MLflow hands it: a pandas DataFrame for column specs
(or no signature), numpy arrays for tensor specs (one array for a single input, a dict of them
for several). Its answer (array, Series, DataFrame, dict) becomes an Arrow table named after the
signature's outputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import MissingDependency
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.tables import to_table


class MlflowServable(Servable):
    """One MLflow model folder (``MLmodel`` and its flavor's files)."""

    source_format = "mlflow"

    def __init__(
        self,
        folder: Path,
        *,
        name: str,
        signature: Signature,
        metadata: dict[str, Any],
        takes_tensors: bool,
    ) -> None:
        self.folder = folder
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.takes_tensors = takes_tensors
        self.model: Any = None
        self._output_names = tuple(f.name for f in signature.outputs)

    def load(self) -> None:
        self.model = load_pyfunc(self.folder)

    def predict(self, batch: Batch) -> pa.Table:
        return to_table(
            self.model.predict(self.model_input(batch)), output_names=self._output_names
        )

    def model_input(self, batch: Batch) -> Any:
        """The batch as MLflow's pyfunc expects it for this model's signature."""
        if not self.takes_tensors:
            return batch.frame()
        columns = batch.columns()
        return next(iter(columns.values())) if len(columns) == 1 else columns


def load_pyfunc(folder: Path) -> Any:
    """``mlflow.pyfunc.load_model(folder)``; a clear error when mlflow is not installed here."""
    try:
        import mlflow.pyfunc
    except ImportError as exc:
        raise MissingDependency(
            f"mlflow is not installed in this environment ({exc})",
            hint="serve the model in the environment modelport builds from its requirements.txt "
            "(leave --env inherit out), or add mlflow to that file",
        ) from None
    return mlflow.pyfunc.load_model(str(folder))
