"""What each process imports: the serving process holds no command-line, registry or settings
code, ``import modelport`` alone loads none of the data libraries, and the pytest plugin no
HTTP code (each checked in a fresh interpreter, since this test process has imported
everything already)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from packaging.utils import canonicalize_name

from modelport.artifact.digests import file_digest
from modelport.artifact.manifest import Manifest
from modelport.artifact.writer import write_artifact
from modelport.cli.command_table import COMMANDS as LISTED
from modelport.registry import ModelVersion, open_store
from modelport.settings import Settings

NOT_FOR_SERVING = (
    "modelport.cli",
    "modelport.registry",
    "modelport.settings",
    "modelport.builder.build",
    "modelport.dependencies",
    "modelport.pipelines",
    "modelport.formats.qwak",
    "modelport.formats.odahu",
    "modelport.formats.truss",
    "modelport.formats.deepaas",
    "modelport.formats.wallaroo",
    "yaml",
    "tomllib",
    "packaging.requirements",
    "sqlalchemy",
    "alembic",
    "typer",
    "rich",
    "pydantic",
    "pydantic_settings",
    "httpx",
    "websockets",
    "pyarrow.parquet",  # imported by the first Parquet body (with its S3 library: 13 ms)
)


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(f"{p}.") for p in prefixes))


def test_the_serving_process_imports_only_serving_code() -> None:
    """What ``python -m modelport.serving`` imports to answer for a native model."""
    modules = _modules_after(
        """
        import numpy as np

        import modelport
        from modelport.serving.conventions import convention
        from modelport.formats.native.python_model import PythonModelServable
        from modelport.serving import __main__
        from modelport.serving.app import create_app
        from modelport.serving.loader import load_unpacked
        from modelport.serving.models import ModelSet
        from modelport.serving.runtime import ModelRuntime
        from modelport.serving.server import run_server

        class Doubler(modelport.Model):
            def predict(self, x: np.ndarray) -> np.ndarray:
                return x[:, 0] * 2

            def schema(self):
                return modelport.Signature(
                    inputs=[modelport.Field("x", float)], outputs=[modelport.Field("y", float)]
                )

        assert convention("native").name == "native"
        servable = PythonModelServable(Doubler(), name="doubler", signature=Doubler().schema())
        app = create_app(ModelSet([ModelRuntime(servable)]))
        """
    )
    assert "modelport.serving.app" in modules  # the script really built the app
    assert _loaded(modules, NOT_FOR_SERVING) == []
    assert "pyarrow.compute" not in modules  # 50 ms: imported for the columns that need it


def _tooling_modules() -> tuple[str, ...]:
    """The import names of the distributions model environments leave out (sqlalchemy, ...)."""
    from importlib.metadata import packages_distributions

    from modelport.builder.own_requirements import tooling

    names = tooling()
    return tuple(
        module
        for module, dists in packages_distributions().items()
        if {canonicalize_name(d) for d in dists} & names
    )


def test_the_serving_process_imports_nothing_model_environments_leave_out() -> None:
    """The serving process of a native model runs where the tooling is not installed."""
    tooling = _tooling_modules()
    assert {"sqlalchemy", "alembic", "uv"} <= set(tooling)
    modules = _modules_after(
        """
        import modelport
        from modelport.formats.native.python_model import PythonModelServable
        from modelport.serving import __main__
        from modelport.serving.app import create_app
        from modelport.serving.loader import load_unpacked
        from modelport.serving.models import ModelSet
        from modelport.serving.runtime import ModelRuntime

        class Echo(modelport.Model):
            def predict(self, rows):
                return rows

        signature = modelport.Signature(
            inputs=[modelport.Field("x", float)], outputs=[modelport.Field("x", float)]
        )
        servable = PythonModelServable(Echo(), name="echo", signature=signature)
        create_app(ModelSet([ModelRuntime(servable)]))
        """
    )
    assert _loaded(modules, tooling) == []


def test_predict_runs_where_the_tooling_is_missing(tmp_path: Path) -> None:
    """`modelport predict` predicts in the model's environment, which has no SQLAlchemy,
    Alembic, uv, Typer or Rich: what runs there (cli/predict_here.py) loads a model and answers
    without them."""
    blocked = _tooling_modules()
    assert {"typer", "rich"} <= set(blocked)
    model = tmp_path / "echo.py"
    model.write_text(ECHO_MODEL)
    script = f"""
        import importlib.abc, sys

        BLOCKED = {set(blocked)!r}

        class Missing(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(f"No module named {{name!r}}")
                return None

        sys.meta_path.insert(0, Missing())
        sys.path.insert(0, {str(tmp_path)!r})
        from modelport.cli import predict_here
        from modelport.formats.native.python_model import PythonModelServable
        from modelport.serving import loader
        import echo

        loader.load_unpacked = lambda root, name: PythonModelServable(echo.Echo(), name="echo")
        code = predict_here.main([{str(tmp_path)!r}, "--data", '[{{"x": 1}}]', "--out",
                                  {str(tmp_path / "answer.arrow")!r}])
        assert code == 0, code
        """
    modules = _modules_after(script)
    assert "modelport.cli.predict_here" in modules
    assert _loaded(modules, blocked) == []
    assert (tmp_path / "answer.arrow").stat().st_size > 0


ECHO_MODEL = """
import modelport


class Echo(modelport.Model):
    def predict(self, rows):
        return rows
"""


def test_importing_modelport_alone_loads_no_data_library() -> None:
    modules = _modules_after("import modelport; assert modelport.__version__")
    assert _loaded(modules, ("numpy", "pyarrow", "pandas", "httpx", "modelport.client")) == []


def test_the_public_names_load_on_first_use() -> None:
    modules = _modules_after("from modelport import Client, Model, ModelportError")
    assert {"modelport.client", "modelport.model", "modelport.errors"} <= modules


def test_the_pytest_plugin_loads_no_http_client_or_server() -> None:
    """pytest loads ``modelport.testing.plugin`` in every session of every user."""
    modules = _modules_after("import modelport.testing.plugin")
    heavy = ("httpx", "uvicorn", "starlette", "anyio", "modelport.client", "modelport.serving")
    assert _loaded(modules, heavy) == []


def test_only_an_s3_blob_store_loads_the_s3_client(tmp_path: Path) -> None:
    """boto3 (the ``s3`` extra) is imported by a process that talks to S3, never by one whose
    artifacts are in a folder, nor by one that only reads a blob already in its cache (a
    command re-executed in a model's environment, where boto3 is not installed)."""
    s3 = ("boto3", "botocore")
    digest = "sha256:" + hashlib.sha256(b"cached").hexdigest()
    cached = tmp_path / "cache" / "blobs" / "sha256" / digest[7:9] / digest[7:]
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"cached")
    opens = f"""
        from pathlib import Path
        import modelport.cli.main
        from modelport.registry.blob_uris import open_blob_store
        from modelport.registry.uris import open_store
        from modelport.settings import Settings

        settings = Settings(home=Path({str(tmp_path)!r}))
        open_store(settings=settings).close()
        STORE
        """
    local = _modules_after(opens.replace("STORE", "open_blob_store(settings=settings)"))
    assert "modelport.registry.blob_uris" in local
    assert _loaded(local, (*s3, "modelport.registry.s3_blobs")) == []

    read = f"assert open_blob_store('s3://b', settings=settings).local_path({digest!r}).is_file()"
    remote = _modules_after(BLOCK_S3 + textwrap.dedent(opens.replace("STORE", read)))
    assert "modelport.registry.s3_blobs" in remote
    assert _loaded(remote, s3) == []


BLOCK_S3 = """
import importlib.abc, sys

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("boto3", "botocore"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, Missing())
"""


NOT_FOR_A_COMMAND = (
    "numpy",
    "pandas",
    "pyarrow",
    "starlette",
    "uvicorn",
    "httpx",
    "alembic",
    "modelport.serving.app",
    "modelport.builder.build",
    "modelport.dependencies",
)
"""What no command of the lookup kind needs: data libraries, the HTTP stack, migrations."""

COMMAND_MODULES = tuple(
    f"modelport.cli.{module}" for module in {listed.module for listed in LISTED.values()}
)


def _command_modules_after(home: Path, argv: list[str], *, before: str = "") -> set[str]:
    """The modules ``modelport ARGV`` (in a fresh interpreter, on the registry in ``home``)
    holds when it ends; ``before`` runs first."""
    return _modules_after(
        f"""
        import os, sys
        os.environ["MODELPORT_HOME"] = {str(home)!r}
        os.environ.pop("MODELPORT_REGISTRY_URI", None)
        os.environ.pop("MODELPORT_BLOBS_URI", None)
        {before}
        from modelport.cli.main import run
        try:
            run({argv!r})
        except SystemExit as stopped:
            assert stopped.code == 0, stopped.code
        """
    )


def test_the_root_help_imports_no_command_no_registry_and_no_data_library(
    tmp_path: Path,
) -> None:
    """``modelport --help`` lists the commands without importing their modules."""
    modules = _command_modules_after(tmp_path, ["--help"])
    assert "modelport.cli.main" in modules
    unwanted = (*NOT_FOR_A_COMMAND, *COMMAND_MODULES, "sqlalchemy", "pydantic", "yaml")
    assert _loaded(modules, (*unwanted, "modelport.registry.sql", "modelport.artifact")) == []


def test_listing_models_imports_the_registry_only(tmp_path: Path) -> None:
    """``modelport models list`` opens the registry (SQLAlchemy) and prints a table (rich),
    and imports no other command's module, no artifact reader and no migrations."""
    open_store(settings=Settings(home=tmp_path)).close()  # a registry at the current revision
    modules = _command_modules_after(tmp_path, ["models", "list"])
    assert {"modelport.cli.registry_cmd", "sqlalchemy", "rich.table"} <= modules
    others = tuple(m for m in COMMAND_MODULES if m != "modelport.cli.registry_cmd")
    assert _loaded(modules, (*NOT_FOR_A_COMMAND, *others, "modelport.artifact.reader")) == []


def test_serving_a_registered_model_opens_no_store_and_reads_its_zip_once(
    tmp_path: Path,
) -> None:
    """``modelport serve NAME`` finds the version with sqlite3 (``registry.sql.lookup``), not
    SQLAlchemy nor the store's own modules, and modelport's installed metadata without
    ``importlib.metadata``, and becomes the serving process (here its command line is written
    down in place of ``os.execv``); a version unpacked before is served from its folder, its
    zip not read again (emptied after the first start, it is not missed)."""
    version = _register_native(tmp_path)
    became = tmp_path / "became.json"
    execv = f"""
        import json
        def execv(path, argv):
            open({str(became)!r}, "w").write(json.dumps(argv))
            sys.exit(0)
        os.execv = execv
        """
    unwanted = (
        *NOT_FOR_A_COMMAND,
        "sqlalchemy",
        "modelport.cli.pipeline_cmd",
        "modelport.registry.store",
        "modelport.registry.entities",
        "importlib.metadata",
        "tomllib",  # no settings file to read
    )
    unpacked = tmp_path / "unpacked" / version.digest[7:39]
    blob = tmp_path / "blobs" / "sha256" / version.digest[7:9] / version.digest[7:]
    for start in ("unpacks the zip", "serves the folder"):
        modules = _command_modules_after(tmp_path, ["serve", "echo", "--port", "0"], before=execv)
        assert "modelport.cli.serve_cmd" in modules, start
        assert _loaded(modules, unwanted) == [], start
        argv = json.loads(became.read_text())
        assert argv[1:4] == ["-m", "modelport.serving", str(unpacked)], start
        assert argv[argv.index("--digest") + 1] == version.digest, start
        blob.write_bytes(b"")


def _register_native(home: Path) -> ModelVersion:
    """A native model's artifact, registered as echo:1 in the registry in ``home``."""
    manifest = Manifest(name="echo", version="1", source_format="native", entry_point="m:Echo")
    artifact = home / "echo.zip"
    write_artifact(artifact, manifest=manifest, files={"m.py": b"class Echo: pass\n"})
    with open_store(settings=Settings(home=home)) as store:
        version, _ = store.register_version(
            name="echo",
            artifact=artifact,
            digest=file_digest(artifact),
            signature={},
            metadata={},
            lineage={},
            build={},
            source_format="native",
        )
    return version
