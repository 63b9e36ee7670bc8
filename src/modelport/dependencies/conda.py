"""``conda.yml``: conda packages translated to their PyPI names, ``pip:`` entries as pip's.

``numpy=1.24`` -> ``numpy==1.24.*``; conda-only packages (``cudatoolkit``, ``mkl``...) are refused
in one error naming them all.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from modelport.dependencies.base import Dependencies, file_error, read_text
from modelport.dependencies.requirements import read_requirement_lines

# conda package name -> PyPI name, for packages that are the same software on both.
CONDA_TO_PYPI: dict[str, str] = {
    "attrs": "attrs",
    "beautifulsoup4": "beautifulsoup4",
    "boto3": "boto3",
    "catboost": "catboost",
    "click": "click",
    "cloudpickle": "cloudpickle",
    "cython": "cython",
    "fastapi": "fastapi",
    "flask": "flask",
    "gensim": "gensim",
    "h5py": "h5py",
    "httpx": "httpx",
    "imbalanced-learn": "imbalanced-learn",
    "jinja2": "jinja2",
    "joblib": "joblib",
    "keras": "keras",
    "lightgbm": "lightgbm",
    "lxml": "lxml",
    "matplotlib": "matplotlib",
    "mlflow": "mlflow",
    "networkx": "networkx",
    "nltk": "nltk",
    "numba": "numba",
    "numpy": "numpy",
    "onnx": "onnx",
    "onnxruntime": "onnxruntime",
    "optuna": "optuna",
    "pandas": "pandas",
    "pillow": "pillow",
    "protobuf": "protobuf",
    "psutil": "psutil",
    "pyarrow": "pyarrow",
    "pydantic": "pydantic",
    "python-dateutil": "python-dateutil",
    "pytz": "pytz",
    "pyyaml": "pyyaml",
    "regex": "regex",
    "requests": "requests",
    "scikit-learn": "scikit-learn",
    "scipy": "scipy",
    "seaborn": "seaborn",
    "sentencepiece": "sentencepiece",
    "setuptools": "setuptools",
    "shap": "shap",
    "six": "six",
    "spacy": "spacy",
    "sqlalchemy": "sqlalchemy",
    "statsmodels": "statsmodels",
    "sympy": "sympy",
    "tensorflow": "tensorflow",
    "tokenizers": "tokenizers",
    "torchvision": "torchvision",
    "tqdm": "tqdm",
    "transformers": "transformers",
    "wheel": "wheel",
    "xgboost": "xgboost",
    "pytorch": "torch",
    "py-xgboost": "xgboost",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "py-opencv": "opencv-python",
    "huggingface_hub": "huggingface-hub",
    "category_encoders": "category-encoders",
}


def read_conda(path: Path) -> Dependencies:
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise file_error(path, where, "invalid YAML", "Fix the YAML syntax.") from exc
    deps = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(deps, list):
        raise file_error(path, str(path), "no `dependencies:` list", "Add one, or delete the file.")
    reqs: list[str] = []
    options: list[str] = []
    conda_only: list[str] = []
    python = None
    for item in deps:
        if isinstance(item, dict) and isinstance(item.get("pip"), list) and len(item) == 1:
            lines = ((f"{path} pip: {entry!r}", str(entry).strip()) for entry in item["pip"])
            read_requirement_lines(path, lines, reqs, options, {path.resolve()})
            continue
        if not isinstance(item, str):
            raise file_error(path, str(path), f"unexpected entry {item!r}", "Use `name=version`.")
        name, spec = _conda_spec(path, item)
        if name == "python":
            python = spec or None
        elif name != "pip" and name in CONDA_TO_PYPI:
            reqs.append(CONDA_TO_PYPI[name] + spec)
        elif name != "pip":
            conda_only.append(item)
    if conda_only:
        raise file_error(
            path,
            str(path),
            f"conda-only packages cannot be installed: {', '.join(conda_only)}",
            "Move them to the `pip:` section under their PyPI names, or drop them.",
        )
    return Dependencies(path, tuple(reqs), tuple(dict.fromkeys(options)), python)


def _conda_spec(path: Path, item: str) -> tuple[str, str]:
    """``(name, PEP 440 specifier)`` of a conda match spec such as ``conda-forge::numpy=1.24``."""
    match = re.fullmatch(r"(?:[\w.-]+::)?([A-Za-z0-9_.-]+)\s*(.*)", item.strip())
    if match is None:
        raise file_error(
            path, f"{path} {item!r}", "not a conda package spec", "Use `name=version`."
        )
    name, rest = match.group(1).lower(), match.group(2).strip()
    if rest.startswith("=") and not rest.startswith("=="):
        rest = rest[1:].split("=")[0]
    elif rest.startswith("=="):
        rest = "==" + rest[2:].split("=")[0]
    elif rest[:1].isdigit():
        rest = rest.split()[0]
    if rest[:1].isdigit():
        full = len(rest.split(".")) >= 3 or rest.endswith("*")
        rest = f"=={rest}" if full else f"=={rest}.*"
    rest = rest.replace(" ", "")
    try:
        SpecifierSet(rest)
        return name, rest
    except InvalidSpecifier as exc:
        raise file_error(
            path, f"{path} {item!r}", "cannot translate this conda version", "Use `name=version`."
        ) from exc
