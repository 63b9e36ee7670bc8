"""A manifest's YAML text: written with ``yaml.safe_dump``, read with a safe loader that refuses
anchors and aliases (an alias bomb of a few hundred bytes expands to gigabytes).

Apart from ``manifest.py`` so that PyYAML (about 45 ms to import) is imported only when YAML is
read or written: the copy of the manifest in an unpacked artifact, which every serving process
and ``modelport serve`` read, is in JSON form (``Manifest.to_json``).
"""

from __future__ import annotations

from typing import Any

import yaml

Error = yaml.YAMLError
"""What reading or writing YAML raises."""


def dump(data: dict[str, Any]) -> str:
    """``data`` as block-style YAML with sorted keys (the same data gives the same text)."""
    return yaml.safe_dump(data, sort_keys=True, allow_unicode=True, default_flow_style=False)


class _PureLoader(yaml.SafeLoader):
    """The pure-Python safe loader, refusing an anchor or alias as it composes the node."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        _refuse_anchor(self.peek_event())  # type: ignore[no-untyped-call]
        return super().compose_node(parent, index)


_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", _PureLoader)
"""libyaml's safe loader where PyYAML has it: four times faster on a large manifest, and it
refuses nesting over 1,000 levels deep (the pure-Python one meets a RecursionError)."""


def load(text: str | bytes) -> object:
    """Safe-load YAML that holds no anchor or alias: libyaml's events are checked first (fast,
    and nothing is built); the pure-Python loader checks each node as it composes it (a first
    pass of its scanner over deep nesting would take quadratic time)."""
    if _LOADER is not _PureLoader:
        for event in yaml.parse(text, Loader=_LOADER):
            _refuse_anchor(event)
    return yaml.load(text, Loader=_LOADER)


def _refuse_anchor(event: yaml.Event) -> None:
    anchor = getattr(event, "anchor", None)
    if anchor is not None:
        kind = "an alias" if isinstance(event, yaml.AliasEvent) else "an anchor"
        mark = event.start_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise yaml.YAMLError(f"{kind} (&{anchor} or *{anchor}){where}; manifests hold neither")


def problem(exc: yaml.YAMLError) -> str:
    """One line: what is wrong and where (line and column), without the quoted snippet."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        found = exc.problem or exc.context or "unreadable"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return f"{found}{where}"
    return " ".join(str(exc).split())
