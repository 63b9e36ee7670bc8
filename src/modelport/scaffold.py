"""``modelport init``: a new model project, laid out the way one convention's users write theirs,
from one of that convention's templates.

``templates/<convention>/<template>/`` holds a template's files (``*.tmpl``; ``{{placeholder}}``
in their text and paths) and ``templates/<convention>/_common/`` what the convention's templates
share. A template may hold a script the scaffold runs once in the new project, to write files no
text template can hold (a Wallaroo step's pickled Arrow schemas), as its README tells the user to
run it again after an edit.
"""

from __future__ import annotations

import keyword
import re
import runpy
import shlex
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from modelport.errors import Conflict, InvalidInput

CONVENTIONS: dict[str, tuple[str, ...]] = {
    "native": ("basic", "sklearn", "async", "streaming"),
    "qwak": ("sklearn",),
    "truss": ("basic",),
    "deepaas": ("module",),
    "odahu": ("matrix",),
    "wallaroo": ("python",),
}
"""Each convention's templates, its default first."""
DEFAULT_CONVENTION = "native"
TEMPLATES = CONVENTIONS[DEFAULT_CONVENTION]
"""The native templates (``--template`` without ``--convention``)."""
GENERATORS = {("wallaroo", "python"): "schemas.py"}
"""Scripts run once in the new project after its files are written (relative to its root)."""
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


def package_name_for(name: str) -> str:
    """``word-counter`` -> ``word_counter``: an importable package name (DEEPaaS packages)."""
    package = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "model"
    if package[0].isdigit() or keyword.iskeyword(package):
        package = f"model_{package}"
    return package


def template_of(convention: str | None, template: str | None) -> tuple[str, str]:
    """The ``(convention, template)`` to scaffold; InvalidInput naming both flags when the
    template is not one of the convention's."""
    convention = convention or DEFAULT_CONVENTION
    if convention not in CONVENTIONS:
        raise InvalidInput(
            f"unknown convention {convention!r}",
            hint=f"choose one of: {', '.join(CONVENTIONS)}",
            field="convention",
        )
    choices = CONVENTIONS[convention]
    if template is None:
        return convention, choices[0]
    if template in choices:
        return convention, template
    if template in CONVENTIONS:
        because = f"; {template} is a convention: use --convention {template}"
    else:
        owners = [c for c, names in CONVENTIONS.items() if template in names]
        because = f" (it is one of --convention {' or '.join(owners)})" if owners else ""
    raise InvalidInput(
        f"--template {template!r} is not a template of --convention {convention}{because}",
        hint=f"--convention picks the layout, --template a variant of it; the {convention} "
        f"templates are: {', '.join(choices)}",
        field="template",
    )


def scaffold(
    name: str,
    *,
    template: str | None = None,
    convention: str | None = None,
    dest: Path | None = None,
    class_name: str | None = None,
) -> list[Path]:
    """Write a new project for model ``name`` into ``dest`` (default ``./name``).

    Returns the files written.
    """
    convention, template = template_of(convention, template)
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
    values = {
        "name": name,
        "class_name": class_name,
        "package": package_name_for(name),
        "convention": convention,
        "template": template,
    }
    root = files("modelport") / "templates" / convention
    rendered: dict[Path, str] = {}
    for source in (root / COMMON, root / template):
        for relative, node in _walk(source):
            path = target / _render(relative.as_posix(), values)
            rendered[path] = _render(node.read_text(encoding="utf-8"), values)
    for path, text in sorted(rendered.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    written = set(rendered)
    generator = GENERATORS.get((convention, template))
    if generator is not None:
        runpy.run_path(str(target / generator), run_name="__main__")
        written.update(p for p in target.rglob("*") if p.is_file())
    return sorted(written)


def next_command(convention: str, name: str, root: Path) -> str:
    """The command that builds the project ``scaffold`` wrote at ``root``, to print after it."""
    if convention == "wallaroo":  # an upload is one file, its framework and schemas named
        return shlex.join(
            [
                "modelport",
                "build",
                str(root / "step.py"),
                "--name",
                name,
                "--framework",
                "python",
                "--input-schema",
                str(root / "input_schema.pkl"),
                "--output-schema",
                str(root / "output_schema.pkl"),
            ]
        )
    return shlex.join(["modelport", "build", str(root)])


def _walk(node: Traversable, prefix: Path = Path()) -> list[tuple[Path, Traversable]]:
    found: list[tuple[Path, Traversable]] = []
    if not node.is_dir():
        return found
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
