"""The ``modelport`` command's subcommands: which module registers each, and the line
``modelport --help`` shows for it.

The root group (``options.RootGroup``) lists the commands from this table and imports a command's
module only when that command runs, so ``modelport --help`` imports none of them and each command
pays for its own imports alone (a command's module may pull in the registry, rich's tables, the
artifact reader...). A unit test checks this table against what the modules register.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import typer
from typer.core import TyperGroup


@dataclass(frozen=True)
class Listed:
    """A subcommand as the root's help lists it, before its module is imported."""

    module: str
    """The module of ``modelport.cli`` whose ``register(app)`` adds the command."""
    help: str
    """The first paragraph of the command's own help, on one line."""
    hidden: bool = False


COMMANDS: dict[str, Listed] = {
    "init": Listed("build_cmd", "Scaffold a new model project in one convention's layout."),
    "build": Listed(
        "build_cmd", "Build a model project into a versioned artifact and register it."
    ),
    "versions": Listed(
        "registry_cmd", "The versions of a model (all, or those --filter keeps), oldest first."
    ),
    "rm": Listed(
        "registry_cmd",
        "Delete a version (refused while an alias points at it), or a whole model with its "
        "versions, aliases and tags.",
    ),
    "delete": Listed("registry_cmd", "Deprecated: use `modelport rm`.", hidden=True),
    "import": Listed(
        "registry_cmd",
        "Register an artifact file (its checksums are verified first, and its signature when "
        "required: loading a model unpickles it, which runs code).",
    ),
    "serve": Listed(
        "serve_cmd",
        "Serve a model or a pipeline over HTTP (native, KServe V1 and Open Inference V2 "
        "routes), and with --grpc-port over gRPC too (Open Inference V2).",
    ),
    "deploy": Listed(
        "deploy_cmd",
        "Run a registered version as a service: on Ray Serve (ray://HOST:PORT) or on this "
        "machine (local); `deploy ls`, `deploy status NAME`, `deploy rm NAME`, "
        "`deploy promote NAME`, `deploy rollback NAME`.",
    ),
    "test": Listed(
        "client_cmd",
        "Build a project as `modelport build` does (its options too), run its unit tests "
        "(tests/ut), serve the new build and run its integration tests (tests/it) against it, "
        "then register it: only when every test passed.",
    ),
    "predict": Listed(
        "client_cmd",
        "Predict with a model and print the answer as a table (or JSON records).",
    ),
    "batch": Listed(
        "batch_cmd", "Answer every row of INPUT with a model, chunk by chunk, into OUTPUT."
    ),
    "export": Listed(
        "export_cmd",
        "Write a version's model out of the registry (as its artifact, or in another format).",
    ),
    "frameworks": Listed(
        "frameworks_cmd",
        "List the model frameworks of Wallaroo uploads (--framework) and their status.",
    ),
    "gc": Listed(
        "gc_cmd",
        "Remove blobs no registered version references, scratch folders of builds that were "
        "killed (their owner process is gone), leftovers of killed blob writes and local copies "
        "of remote blobs unused for --cache-days.",
    ),
    "server": Listed(
        "server_cmd",
        "Serve the registry's REST API (models, versions, aliases, tags, pipelines, secrets, "
        "members) under /api/v1, documented at /api/v1/docs. Requests need `Authorization: "
        "Bearer <token>` (see `modelport users` and `modelport tokens`) unless --no-auth.",
    ),
    "models": Listed("registry_cmd", "List and show registered models."),
    "alias": Listed("registry_cmd", "Point names such as production at versions."),
    "tag": Listed("registry_cmd", "Tag models (NAME) or versions (NAME:N)."),
    "pipeline": Listed(
        "pipeline_cmd", "Pipelines: registered models run as ordered steps (Wallaroo)."
    ),
    "secret": Listed(
        "secret_cmd", "Secrets for served models (Truss `secrets:`), kept per workspace."
    ),
    "users": Listed(
        "accounts_cmd", "Users of a modelport server (run on the registry's database)."
    ),
    "tokens": Listed("accounts_cmd", "API tokens of users: created, listed, revoked."),
    "workspaces": Listed(
        "accounts_cmd", "Workspaces and their members' roles (viewer, editor, owner)."
    ),
    "registries": Listed(
        "registries_cmd",
        "External MLflow registries connected to workspaces, and their models.",
    ),
    "keys": Listed(
        "keys_cmd", "The registry's signing key, and the keys whose signatures it trusts."
    ),
}
"""Every subcommand, in the order ``modelport --help`` lists them."""


def load(module: str) -> TyperGroup:
    """The commands ``modelport.cli.<module>`` registers, as a click group holding them."""
    registers = importlib.import_module(f"modelport.cli.{module}")
    holder = typer.Typer()
    registers.register(holder)
    return typer.main.get_group(holder)
