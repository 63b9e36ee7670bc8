"""A model project's one dependency file, read into PEP 508 requirements.

A project keeps exactly one of ``requirements.txt``, ``pyproject.toml`` (PEP 621 or Poetry) or
``conda.yml``/``conda.yaml``, in ``main/`` or at its root. Each is turned into the same thing,
:class:`Dependencies`: PEP 508 requirement strings, the pip options uv understands (index URLs,
find-links, binary choices) and the Python version the file asks for, which is only recorded:
modelport builds with the Python it runs on.

Poetry constraints are translated to PEP 440 (``^1.2.3`` -> ``>=1.2.3,<2.0.0``,
``~1.2`` -> ``>=1.2,<1.3``); conda packages are translated when they are known PyPI
equivalents (``numpy=1.24`` -> ``numpy==1.24.*``, ``scikit-learn=1.0.1`` ->
``scikit-learn==1.0.1``); conda-only packages (``cudatoolkit``, ``mkl``...) are refused in one
error naming them all.
"""

from modelport.dependencies.base import Dependencies, DependencyKind
from modelport.dependencies.files import FILE_NAMES, DependencyFile, find_dependency_file

__all__ = ["FILE_NAMES", "Dependencies", "DependencyFile", "DependencyKind", "find_dependency_file"]
