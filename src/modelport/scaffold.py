"""``modelport init``: a new model project from one of the bundled templates."""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from modelport.errors import Conflict, InvalidInput

TEMPLATES = ("basic", "sklearn", "async", "streaming", "truss", "qwak")
OWN_LAYOUT = ("truss",)
"""Templates of other conventions' layouts, which take nothing from the common files."""
COMMON = "_common"
SUFFIX = ".tmpl"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def class_name_for(name: str) -> str:
    """``iris-classifier`` -> ``IrisClassifierModel``."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    camel = "".join(w[:1].upper() + w[1:] for w in words) or "My"
    if camel[0].isdigit():
        camel = "M" + camel
    return camel if camel.endswith("Model") else f"{camel}Model"


def scaffold(
    name: str, *, template: str = "basic", dest: Path | None = None, class_name: str | None = None
) -> list[Path]:
    """Write a new project for model ``name`` into ``dest`` (default ``./name``).

    Returns the files written.
    """
    if template not in TEMPLATES:
        raise InvalidInput(
            f"unknown template {template!r}",
            hint=f"choose one of: {', '.join(TEMPLATES)}",
            field="template",
        )
    class_name = class_name or class_name_for(name)
    if not _IDENTIFIER.match(class_name):
        raise InvalidInput(
            f"{class_name!r} is not a valid Python class name",
            hint="use letters, digits and underscores, e.g. IrisClassifier",
            field="class_name",
        )
    target = dest if dest is not None else Path(name)
    if target.exists() and any(target.iterdir()):
        raise Conflict(f"{target} already exists and is not empty", hint="choose another folder")
    values = {"name": name, "class_name": class_name, "template": template}
    root = files("modelport") / "templates"
    rendered: dict[Path, str] = {}
    sources = [root / template] if template in OWN_LAYOUT else [root / COMMON, root / template]
    for source in sources:
        for relative, node in _walk(source):
            rendered[target / relative] = _render(node.read_text(encoding="utf-8"), values)
    for path, text in sorted(rendered.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(rendered)


def _walk(node: Traversable, prefix: Path = Path()) -> list[tuple[Path, Traversable]]:
    found: list[tuple[Path, Traversable]] = []
    for child in node.iterdir():
        if child.is_dir():
            found.extend(_walk(child, prefix / child.name))
        elif child.name.endswith(SUFFIX):
            found.append((prefix / child.name.removesuffix(SUFFIX), child))
    return found


def _render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text
