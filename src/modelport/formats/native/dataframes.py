"""Whether a native project asks for pandas DataFrames, read from its source without running it.

A model environment gets pandas only when its model needs it: scikit-learn imports pandas
whenever it is installed, which costs every server about 0.3 s of start-up and 50 MiB of memory
for nothing when the model takes numpy arrays. The answer is conservative: any doubt (a source
that does not parse, an unannotated or unfamiliar batch parameter, pandas imported anywhere,
integration tests whose client answers DataFrames) says "yes".
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from modelport.batch import BatchKind

VIEWS: dict[str, BatchKind] = {
    **dict.fromkeys(
        (
            "np.ndarray",
            "numpy.ndarray",
            "ndarray",
            "NDArray",
            "npt.NDArray",
            "numpy.typing.NDArray",
        ),
        "matrix",
    ),
    **dict.fromkeys(("pa.Table", "pyarrow.Table"), "arrow"),
    **dict.fromkeys(
        (
            "dict",
            "Dict",
            "typing.Dict",
            "Mapping",
            "typing.Mapping",
            "collections.abc.Mapping",
            "abc.Mapping",
        ),
        "numpy",
    ),
    **dict.fromkeys(
        (
            "list",
            "List",
            "typing.List",
            "Sequence",
            "typing.Sequence",
            "collections.abc.Sequence",
            "abc.Sequence",
        ),
        "records",
    ),
}
"""Batch annotations, as written (before any ``[...]``), of the views that are not DataFrames:
a matrix, an Arrow table, numpy columns, records (``formats.native.python_model.batch_kind_of``)."""


def view_named(annotation: str) -> BatchKind | None:
    """The batch view an annotation's text names (``"np.ndarray"``, ``"dict[str, ...]"``), or
    None for anything else (a DataFrame, or a name this table does not know)."""
    return VIEWS.get(annotation.split("[", 1)[0].strip())


BATCH_METHODS = ("predict",)


def asks_for_dataframes(root: Path, sources: Iterable[str]) -> bool:
    """Whether the project at ``root`` (``sources`` relative to it) may need pandas to serve."""
    if (root / "tests" / "it").is_dir():
        return True
    for name in sources:
        if not name.endswith(".py"):
            continue
        try:
            tree = ast.parse((root / name).read_bytes(), filename=name)
        except (OSError, SyntaxError, ValueError):
            return True
        if _imports_pandas(tree):
            return True
        is_test = name.startswith("tests/") or name.split("/")[-1].startswith("test_")
        if not is_test and any(_takes_dataframes(m) for m in _methods(tree)):
            return True  # predict may come from any source module (a base class, a helper)
    return False


def _imports_pandas(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name.split(".")[0] == "pandas" for name in names):
            return True
    return False


def _methods(tree: ast.AST) -> Iterable[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            methods = (
                i for i in node.body if isinstance(i, ast.FunctionDef | ast.AsyncFunctionDef)
            )
            yield from (method for method in methods if method.name in BATCH_METHODS)


def _takes_dataframes(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A batch method whose first parameter is not annotated as one of the other views."""
    parameters = [*method.args.posonlyargs, *method.args.args]
    if parameters and parameters[0].arg in ("self", "cls"):
        parameters = parameters[1:]
    if not parameters:
        return False  # no batch parameter: the load fails anyway, with its own message
    annotation = parameters[0].annotation
    if annotation is None:
        return True  # unannotated: the model gets a DataFrame
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        text = annotation.value  # a quoted annotation
    else:
        text = ast.unparse(annotation)
    return view_named(text) is None
