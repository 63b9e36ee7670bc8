"""Credentials pasted into a Truss's ``environment_variables`` (``HF_TOKEN: hf_...``), moved to
the secrets at build rather than packaged.

Truss puts every ``environment_variables`` value in the image; an artifact is a file people
copy, so here a variable whose name says it holds a credential (``config.credential_variables``)
leaves the packaged config.yaml and the registry's metadata: it is declared under ``secrets:``
instead, its value kept in this machine's secret store (``modelport secret set`` writes the
same), and the build warns. When served, the variable is set again from the secrets (a
``TRUSS_SECRET_`` variable, the secrets folder or the store, ``modelport.secrets``), so the model
still reads it from ``os.environ``, and its value is blanked in the log as every secret's is.
Moving rather than refusing keeps a Truss that builds with Truss building here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from modelport.secrets import ENV_PREFIX, SecretStore
from modelport.settings import get_settings

MOVED_KEY = "truss_secret_variables"
"""The manifest metadata key naming the variables moved to the secrets."""

log = logging.getLogger("modelport.formats.truss")


def move_to_secrets(raw: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """``raw`` (config.yaml's keys) with ``names`` out of ``environment_variables`` and declared
    under ``secrets:`` (no value)."""
    if not names:
        return raw
    variables = {
        k: v for k, v in (raw.get("environment_variables") or {}).items() if k not in names
    }
    secrets = dict(raw.get("secrets") or {})
    for name in names:
        secrets.setdefault(name, None)
    return {**raw, "environment_variables": variables, "secrets": secrets}


def keep_values(values: Mapping[str, str]) -> str:
    """Keep ``values`` in this machine's secret store (the workspace's); its workspace."""
    settings = get_settings()
    store = SecretStore(settings.home, settings.workspace)
    for name, value in values.items():
        store.set(name, value)
    return settings.workspace


def moved_warning(names: Sequence[str], workspace: str) -> str:
    listed = ", ".join(repr(name) for name in names)
    them = "it" if len(names) == 1 else "them"
    return (
        f"warning: config.yaml sets environment variables {listed} that look like credentials: "
        f"moved to the secrets, out of the artifact (declared under `secrets:` in the packaged "
        f"config.yaml, the values kept in this machine's secret store, workspace {workspace!r}); "
        f"served, the model still finds {them} in os.environ. Where it is served elsewhere, run "
        f"`modelport secret set {names[0]}` or set {ENV_PREFIX}{names[0]}; move {them} under "
        "`secrets:` in config.yaml to silence this"
    )


def restore_environment(metadata: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
    """Set the variables moved at build from ``secrets`` (the process's own values win); a
    warning names one set nowhere."""
    for name in metadata.get(MOVED_KEY) or ():
        if name in os.environ:
            continue
        value = secrets.get(name)
        if value is None:
            log.warning(
                "environment variable %s (moved to the secrets at build) is set nowhere: run "
                "`modelport secret set %s` or set %s%s where the model is served",
                name,
                name,
                ENV_PREFIX,
                name,
            )
            continue
        os.environ[name] = value
