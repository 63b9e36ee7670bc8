"""The set of models one server answers for, looked up by name and version."""

from __future__ import annotations

from collections.abc import Callable

from modelport.errors import NotFound
from modelport.serving.runtime import ModelRuntime


class ModelSet:
    """Runtimes by name; each name may hold several versions (the newest answers by default)."""

    def __init__(self, runtimes: list[ModelRuntime] | None = None) -> None:
        self._by_name: dict[str, dict[str, ModelRuntime]] = {}
        self._default: dict[str, ModelRuntime] = {}
        self.able: Callable[[], bool] | None = None
        """Whether the process can predict now (None: always); the server sets it, so that
        readiness turns false while every worker is stuck in a model call."""
        for runtime in runtimes or []:
            self.add(runtime)

    def add(self, runtime: ModelRuntime) -> None:
        versions = self._by_name.setdefault(runtime.name, {})
        versions[str(runtime.version) if runtime.version is not None else "1"] = runtime
        current = self._default.get(runtime.name)
        if current is None or (runtime.version or 0) >= (current.version or 0):
            self._default[runtime.name] = runtime

    def get(self, name: str, version: str | None = None) -> ModelRuntime:
        runtime = self._default.get(name)
        if runtime is None:
            served = ", ".join(sorted(self._default)) or "none"
            raise NotFound(f"model {name!r} is not served here", hint=f"served: {served}")
        if version is None:
            return runtime
        found = self._by_name[name].get(version)
        if found is None:
            served = ", ".join(sorted(self._by_name[name]))
            raise NotFound(
                f"version {version} of model {name!r} is not served here",
                hint=f"served versions: {served}",
            )
        return found

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.all())

    def all(self) -> list[ModelRuntime]:
        return [r for versions in self._by_name.values() for r in versions.values()]

    @property
    def ready(self) -> bool:
        loaded = all(r.ready for r in self.all())
        return loaded and (self.able is None or self.able())
