"""``modelport.Model``: the native convention users subclass.

A model project keeps its class in ``main/`` (``main/__init__.py`` imports it, or defines
``load_model()`` returning an instance or the class). ``modelport build`` creates an instance,
calls :meth:`Model.build` once, and packages the resulting instance; every serving process calls
:meth:`Model.initialize` once and then :meth:`Model.predict` per batch.
"""

from __future__ import annotations

from typing import Any

from modelport.schema import Field, Signature


class Model:
    """Base class of a native modelport model.

    Define ``predict(self, batch)`` (required) and override any of the hooks below. ``predict``
    receives a batch of rows as the type its first parameter is annotated with: a pandas
    ``DataFrame`` (the default), a ``pyarrow.Table`` or a ``dict[str, numpy.ndarray]``, and
    returns the same kinds (or a numpy array / list, one value per row). It may be ``async def``,
    or a generator (sync or async) to stream its answer in chunks.
    """

    def build(self) -> None:
        """Train or load the model. Runs once, at build time; the instance it leaves is packaged."""

    def initialize(self) -> None:
        """Prepare for serving (open files, warm caches). Runs once per serving process."""

    def schema(self) -> Signature | None:
        """The model's inputs and outputs; ``None`` lets modelport infer them from a sample.

        Return a :class:`~modelport.Signature`, or a pair ``(inputs, outputs)`` of lists of
        :class:`~modelport.Field`.
        """
        return None

    def input_example(self) -> Any:
        """A small sample input (DataFrame, records, dict of columns), used to infer the schema
        when :meth:`schema` is absent and to show an example in the API documentation."""
        return None

    def metadata(self) -> dict[str, Any]:
        """Free metadata: description, framework, author, license, links."""
        return {}


__all__ = ["Field", "Model", "Signature"]
