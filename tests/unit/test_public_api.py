"""The public surface of ``modelport`` is exactly what users are promised: the names users
import, and the extension contract a convention written outside modelport builds on (its format
adapter, its servable and operations, its routes' services, the testing helpers)."""

import dataclasses
import inspect

import modelport
import modelport.testing
from modelport import servable
from modelport.formats import base
from modelport.serving import conventions, problems
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime


def test_public_names_are_pinned() -> None:
    assert sorted(modelport.__all__) == [
        "ArtifactError",
        "AsyncClient",
        "BuildFailed",
        "Client",
        "ConfigError",
        "Conflict",
        "Field",
        "Forbidden",
        "InvalidInput",
        "LoadedModel",
        "Model",
        "ModelFailed",
        "ModelportError",
        "NotFound",
        "Signature",
        "Unauthorised",
        "__version__",
        "build",
        "load",
    ]
    for name in modelport.__all__:
        assert hasattr(modelport, name), name


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert modelport.__version__ == version("modelport")


def _public_methods(cls: type) -> dict[str, str]:
    return {
        name: str(inspect.signature(function))
        for name, function in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_the_format_adapter_contract_is_pinned() -> None:
    assert sorted(base.__all__) == [
        "BuildOutput",
        "ModelFormat",
        "NO_OPTIONS",
        "OWN_ENVIRONMENT",
        "ProjectLayout",
    ]
    assert base.ModelFormat.__abstractmethods__ == {"detect", "layout", "build_step", "load"}
    assert _public_methods(base.ModelFormat) == {
        "build_step": "(self, layout: 'ProjectLayout', out_dir: 'Path', *, sample: 'Any' = None, "
        "options: 'Mapping[str, str]' = mappingproxy({})) -> 'BuildOutput'",
        "detect": "(self, path: 'Path') -> 'float'",
        "example_request": "(self, servable: 'Servable') -> 'ExampleRequest | None'",
        "layout": "(self, path: 'Path', *, extra_folders: 'tuple[str, ...]' = ()) "
        "-> 'ProjectLayout'",
        "load": "(self, root: 'Path', manifest: 'Manifest') -> 'Servable'",
        "routes": "(self, models: 'ModelSet', services: 'Services') -> 'list[BaseRoute]'",
    }
    assert base.ModelFormat.option_names == frozenset()
    assert base.ModelFormat.runtime_requirements == ()
    assert [f.name for f in dataclasses.fields(base.ProjectLayout)] == [
        "root",
        "default_name",
        "sources",
        "dependency_root",
        "unit_tests",
        "integration_tests",
        "dependency_file",
        "requirements",
        "integration_tests_at_build",
        "test_plugins",
        "external_sources",
        "provided_packages",
        "needs_pandas",
    ]
    assert [f.name for f in dataclasses.fields(base.BuildOutput)] == [
        "entry_point",
        "signature",
        "metadata",
        "version",
        "files",
        "notes",
        "record",
        "models",
    ]


def test_the_servable_and_operation_contract_is_pinned() -> None:
    assert sorted(servable.__all__) == ["ModelCalls", "Operation", "Servable"]
    assert servable.Servable.__abstractmethods__ == {"load", "predict"}
    assert _public_methods(servable.Servable) == {
        "load": "(self) -> 'None'",
        "predict": "(self, batch: 'Batch') -> 'pa.Table | Awaitable[pa.Table]'",
        "stream": "(self, batch: 'Batch') -> 'Iterator[object] | AsyncIterator[object]'",
    }
    for attribute in ("source_format", "example", "is_async", "is_streaming", "checks_input_types"):
        assert hasattr(servable.Servable, attribute), attribute
    assert servable.Operation.__abstractmethods__ == {"run"}
    assert _public_methods(servable.Operation) == {
        "run": "(self, model: 'ModelT', calls: 'ModelCalls') -> 'ResultT'"
    }
    assert _public_methods(servable.ModelCalls) == {
        "blocking": "(self, function: 'Callable[P, R]', /, *args: 'P.args', "
        "**kwargs: 'P.kwargs') -> 'R'",
        "awaiting": "(self, call: 'Awaitable[R]') -> 'R'",
    }


def _public_members(cls: type) -> dict[str, str]:
    found = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if inspect.isfunction(member):
            found[name] = str(inspect.signature(member))
        elif isinstance(member, property):
            found[name] = "property"
    return found


def test_what_a_conventions_routes_use_of_the_server_is_pinned() -> None:
    assert _public_members(ModelSet) == {
        "add": "(self, runtime: 'ModelRuntime') -> 'None'",
        "all": "(self) -> 'list[ModelRuntime]'",
        "get": "(self, name: 'str', version: 'str | None' = None) -> 'ModelRuntime'",
        "ready": "property",
    }
    assert _public_members(ModelRuntime) == {
        "example": "property",
        "invoke": "(self, operation: 'Operation[ModelT, ResultT]') -> 'ResultT'",
        "limits_of": "(self, size: 'int') -> 'InlineLimits'",
        "load": "(self) -> 'None'",
        "metadata": "property",
        "predict": "(self, batch: 'Batch') -> 'pa.Table'",
        "runs_inline": "(self, rows: 'int') -> 'bool'",
        "source_format": "property",
        "stream": "(self, batch: 'Batch') -> 'AsyncIterator[object]'",
        "streams": "property",
        "takes": "(self, operation: 'type[Operation[ModelT, ResultT]]') -> 'bool'",
        "watch": "(self, watchdog: 'InlineWatchdog') -> 'None'",
    }
    assert sorted(problems.__all__) == [
        "EXCEPTION_HANDLERS",
        "PROBLEM_JSON",
        "Problem",
        "ProblemBody",
        "answer_error",
        "answering",
        "problem_json",
        "problem_of",
    ]
    assert [f.name for f in dataclasses.fields(problems.Problem)] == [
        "status",
        "title",
        "detail",
        "error",
        "field",
        "headers",
    ]


def test_what_a_conventions_routes_are_given_is_pinned() -> None:
    assert sorted(conventions.__all__) == [
        "ENTRY_POINT_GROUP",
        "ExampleRequest",
        "RegisterVersion",
        "ServedConvention",
        "Services",
        "convention",
        "convention_names",
    ]
    assert conventions.ENTRY_POINT_GROUP == "modelport.formats"
    assert [f.name for f in dataclasses.fields(conventions.ExampleRequest)] == [
        "path",
        "body",
        "content_type",
        "method",
    ]
    assert str(inspect.signature(conventions.Services)) == (
        "(*, home: 'Path | None' = None, registry_uri: 'str | None' = None, "
        "register_version: 'RegisterVersion | None' = None) -> 'None'"
    )


def test_the_testing_helpers_are_pinned() -> None:
    assert sorted(modelport.testing.__all__) == [
        "ServerProcess",
        "app_client",
        "free_port",
        "serve_app",
        "start_server",
    ]
    for name in modelport.testing.__all__:
        assert hasattr(modelport.testing, name), name
    assert str(inspect.signature(modelport.testing.start_server)) == (
        "(target: 'str', *, model: 'str | None' = None, log_dir: 'Path', "
        "serve_options: 'Sequence[str]' = (), cli_options: 'Sequence[str]' = (), "
        "env: 'Mapping[str, str] | None' = None, ready_timeout: 'float' = 600.0, "
        "wait: 'bool' = True) -> 'ServerProcess'"
    )
    assert _public_methods(modelport.testing.ServerProcess) == {
        "output": "(self) -> 'str'",
        "stop": "(self) -> 'int'",
        "wait_ready": "(self, path: 'str' = '/v2/health/ready', *, timeout: 'float' = 120.0) "
        "-> 'None'",
    }
    assert [f.name for f in dataclasses.fields(modelport.testing.ServerProcess)] == [
        "url",
        "model",
        "process",
        "log",
    ]
