"""A Truss ``Model`` as a Servable: loaded from its folder, called through its hook chain.

``load()`` sets the config's environment variables, puts ``packages/`` (and the external package
folders) on the import path, imports ``model/model.py``, builds ``Model`` with the keyword
arguments its ``__init__`` accepts, and calls its ``load()``. A request then runs
``preprocess -> predict -> postprocess``; ``runtime.predict_concurrency`` bounds concurrent
``predict`` calls only (a stream holds its slot until it ends), as in Truss.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import importlib.util
import inspect
import json
import logging
import os
import sys
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import anyio
import anyio.to_thread
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ConfigError, ModelFailed, ModelportError
from modelport.formats.truss.config import TrussConfig
from modelport.formats.truss.credentials import restore_environment
from modelport.formats.truss.hooks import Hook, init_arguments
from modelport.redaction import redact
from modelport.schema import Signature
from modelport.secrets import Secrets
from modelport.servable import ModelCalls, Servable
from modelport.settings import get_settings

log = logging.getLogger("modelport.formats.truss")
P = ParamSpec("P")
R = TypeVar("R")

EXTERNAL_PACKAGES = "_external_packages"
"""Where, in the packaged sources, ``external_package_dirs`` outside the Truss are copied."""


def deployment_environment(value: str | None) -> dict[str, Any] | None:
    """The deployment environment handed to ``Model.__init__`` as ``environment``, from the
    ``environment`` setting (``MODELPORT_ENVIRONMENT``): a name (``production``) or a JSON
    object with ``name`` and settings; unset: None."""
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return {"name": value}
    return parsed if isinstance(parsed, dict) else {"name": value}


def import_model_class(config: TrussConfig) -> type:
    """The Truss's model class, imported with its package folders on the path."""
    root = config.root
    for folder in [*config.package_dirs, EXTERNAL_PACKAGES]:
        path = root / folder
        if folder == EXTERNAL_PACKAGES and path.is_dir():
            for child in sorted(path.iterdir()):
                _on_path(child)
        elif path.is_dir():
            _on_path(path)
    _on_path(root)
    module_file = config.model_file
    if not module_file.is_file():
        raise ConfigError(
            f"{module_file.relative_to(root)} does not exist",
            hint="put the Model class in model/model.py, or set model_module_dir and "
            "model_class_filename in config.yaml",
            field="model_class_filename",
        )
    package = _import_package(module_file.parent)
    module = importlib.import_module(f"{package}.{module_file.stem}")
    cls = getattr(module, config.model_class_name, None)
    if not isinstance(cls, type):
        raise ConfigError(
            f"{module_file.relative_to(root)} has no class {config.model_class_name}",
            hint="define it, or set model_class_name in config.yaml",
            field="model_class_name",
        )
    return cls


def _import_package(folder: Path) -> str:
    """Import ``folder`` as the package named after it (with or without ``__init__.py``),
    replacing a same-named package of another Truss imported earlier in this process."""
    package = folder.name
    for loaded in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[loaded]
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            package, init, submodule_search_locations=[str(folder)]
        )
    else:
        spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    if spec.loader is not None:
        spec.loader.exec_module(module)
    return package


def set_environment_variables(config: TrussConfig) -> None:
    """The config's ``environment_variables`` (the process's own values win)."""
    for key, value in config.environment_variables.items():
        os.environ.setdefault(key, value)


def _on_path(folder: Path) -> None:
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


class TrussServable(Servable):
    """Serves one Truss; the Truss routes reach it through ``formats.truss.operations``."""

    source_format = "truss"
    is_async = True

    def __init__(
        self, config: TrussConfig, *, name: str, metadata: dict[str, Any], example: Any = None
    ) -> None:
        self.config = config
        self.name = name
        self.metadata = metadata
        self.signature = Signature.free()
        self.example = [example] if isinstance(example, dict) else None
        self.model: Any = None
        self.load_error: str | None = None
        """Why ``load()`` failed (type and message), for readiness to tell."""
        self._hooks: dict[str, Hook | None] = {}
        self._slots: anyio.Semaphore | None = None

    def load(self) -> None:
        try:
            self._load()
        except ModelportError as exc:
            self.load_error = str(exc)
            raise
        except Exception as exc:  # told without any secret value the message may quote
            log.error("%s", redact("".join(traceback.format_exception(exc))))
            self.load_error = redact(f"load failed: {type(exc).__name__}: {exc}")
            raise ModelFailed(self.load_error, hint="fix the model's load()") from None

    def _load(self) -> None:
        set_environment_variables(self.config)
        secrets = Secrets.from_settings(self.config.secret_names)
        restore_environment(self.metadata, secrets)
        cls = import_model_class(self.config)
        available = {
            "config": self.config.expanded,
            "data_dir": self.config.root / self.config.data_dir,
            "secrets": secrets,
            "environment": deployment_environment(get_settings().environment),
        }
        model = cls(**init_arguments(cls, available))
        hooks = {name: Hook.of(model, name) for name in ("preprocess", "predict", "postprocess")}
        if hooks["predict"] is None:
            raise ConfigError(
                f"{cls.__name__} has no predict method", hint="define predict(self, model_input)"
            )
        load = getattr(model, "load", None)
        if callable(load):
            load()
        self._hooks = hooks
        self.model = model

    def hook(self, name: str) -> Hook | None:
        """The model's method ``name`` (None when it has none), read once."""
        if name not in self._hooks:
            self._hooks[name] = Hook.of(self.model, name)
        return self._hooks[name]

    def is_healthy(self) -> bool:
        check = getattr(self.model, "is_healthy", None)
        return bool(check()) if callable(check) else True

    async def infer(self, payload: Any, request: Any, *, calls: ModelCalls) -> Any:
        """``postprocess(predict(preprocess(payload)))``: a value, a Response, or an async
        iterator of chunks when ``predict`` streams."""
        value = payload
        pre = self.hook("preprocess")
        if pre is not None:
            value = await _run(pre.function, pre.arguments(value, request), calls)
        slots = self._concurrency()
        await slots.acquire()
        try:
            value = await self.call_hook("predict", value, request, calls=calls)
        except BaseException:
            slots.release()
            raise
        if isinstance(value, AsyncIterator | Iterator) and not isinstance(value, str | bytes):
            if self.hook("postprocess") is not None:
                slots.release()
                raise ModelFailed(
                    "predict streams, and a stream cannot be post-processed",
                    hint="remove postprocess, or return a value from predict",
                )
            return HeldStream(slots, self.stream_of(value, calls=calls))
        slots.release()
        post = self.hook("postprocess")
        if post is not None:
            value = await _run(post.function, post.arguments(value, request), calls)
        return value

    async def call_hook(self, name: str, value: Any, request: Any, *, calls: ModelCalls) -> Any:
        """One hook with its arguments bound (an async generator function is called directly)."""
        hook = self.hook(name)
        assert hook is not None
        arguments = hook.arguments(value, request)
        if hook.is_generator and hook.is_async:
            return hook.function(*arguments)
        return await _run(hook.function, arguments, calls)

    def stream_of(
        self, value: Iterator[Any] | AsyncIterator[Any], *, calls: ModelCalls
    ) -> AsyncIterator[Any]:
        """A hook's generator as an async iterator (a sync one advanced in ``calls``' pool)."""
        return _chunks(value, calls)

    def _concurrency(self) -> anyio.Semaphore:
        if self._slots is None:
            self._slots = anyio.Semaphore(self.config.predict_concurrency)
        return self._slots

    async def predict(self, batch: Batch) -> pa.Table:
        """modelport's generic routes: each row is one Truss payload; one output per row."""
        outputs = []
        for row in batch.view("records"):
            try:
                output = await self.infer(row, None, calls=_THREADS)
            except ModelportError:
                raise
            except Exception as exc:  # the message may quote a secret: blank the values read
                raise ModelFailed(redact(f"{type(exc).__name__}: {exc}")) from exc
            if isinstance(output, HeldStream):
                await output.aclose()  # gives its predict slot back
                raise ModelFailed(
                    f"model {self.name!r} streams", hint="call its Truss route, :predict, instead"
                )
            outputs.append(output)
        try:
            return pa.table({"output": pa.array(outputs)})
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return pa.table({"output": [json.dumps(o, default=str) for o in outputs]})


async def _run(function: Callable[..., Any], arguments: tuple[Any, ...], calls: ModelCalls) -> Any:
    """A hook's function called: a coroutine function awaited, any other run in the pool."""
    if inspect.iscoroutinefunction(function):
        return await calls.awaiting(function(*arguments))
    return await calls.blocking(function, *arguments)


async def _chunks(
    source: Iterator[Any] | AsyncIterator[Any], calls: ModelCalls
) -> AsyncIterator[Any]:
    """A stream's chunks as they come; a sync generator is advanced in ``calls``' pool."""
    if isinstance(source, AsyncIterator):
        async for chunk in source:
            yield chunk
        return
    done = object()
    while True:
        chunk = await calls.blocking(next, source, done)
        if chunk is done:
            return
        yield chunk


class HeldStream(AsyncIterator[Any]):
    """A stream that holds its predict slot until it ends, fails, is cancelled or closed."""

    def __init__(self, slots: anyio.Semaphore, source: AsyncIterator[Any]) -> None:
        self._slots = slots
        self._source = source
        self._held = True

    async def __anext__(self) -> Any:
        try:
            return await self._source.__anext__()
        except BaseException:  # the end (StopAsyncIteration), a failure or a cancellation
            self._release()
            raise

    async def aclose(self) -> None:
        self._release()
        close = getattr(self._source, "aclose", None)
        if close is not None:
            await close()

    def _release(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()


class _Threads:
    """``ModelCalls`` on anyio's default thread pool, for the generic routes' ``predict`` (the
    runtime awaits an async Servable's predict itself)."""

    async def blocking(self, function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))

    async def awaiting(self, call: Awaitable[R]) -> R:
        return await call


_THREADS = _Threads()
