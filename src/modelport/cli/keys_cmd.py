"""``modelport keys``: the registry's signing key, with which every build signs its artifact,
and the public keys whose signatures it trusts (``artifact/signing.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from modelport.cli.context import STATE
from modelport.cli.options import JsonFlag, command, group
from modelport.cli.output import console, print_json
from modelport.errors import NotFound

if TYPE_CHECKING:
    from modelport.artifact.reader import Artifact
    from modelport.artifact.signing import KeyRing

keys_app = group("The registry's signing key, and the keys whose signatures it trusts.")


def _ring() -> KeyRing:
    from modelport.artifact.signing import KeyRing

    return KeyRing(STATE.settings.keys_dir)


@command(keys_app, "create")
def create(as_json: JsonFlag = False) -> None:
    """Make this registry's signing key: every build signs its artifact with it from now on.

    The private key stays in $MODELPORT_HOME/keys (0600); `modelport keys show` prints the
    public key others trust it by (`modelport keys trust`)."""
    name = _ring().create()
    if as_json:
        print_json({"created": name})
        return
    console.print(Text(f"created signing key {name}; builds are signed from now on"))


@command(keys_app, "show")
def show(as_json: JsonFlag = False) -> None:
    """Print the public key of this registry's signing key (one line, to share)."""
    from modelport.artifact.signing import fingerprint, public_line, public_raw

    key = _ring().signing_key()
    if key is None:
        raise NotFound("this registry has no signing key", hint="make one: modelport keys create")
    line = public_line(key.public_key())
    if as_json:
        print_json({"key": line, "fingerprint": fingerprint(public_raw(line))})
        return
    print(line)


@command(keys_app, "trust")
def trust(
    key: Annotated[
        str,
        typer.Argument(help="A public key line (modelport-ed25519 BASE64), or a file holding it."),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Trust artifacts signed by another registry's key (the line its `keys show` printed)."""
    path = Path(key)
    line = path.read_text(encoding="ascii") if path.is_file() else key
    name = _ring().trust(line)
    if as_json:
        print_json({"trusted": name})
        return
    console.print(Text(f"trusted {name}"))


@command(keys_app, "list")
def list_keys(as_json: JsonFlag = False) -> None:
    """The fingerprints of the trusted keys (this registry's own among them)."""
    names = sorted(_ring().trusted())
    if as_json:
        print_json(names)
        return
    for name in names:
        console.print(Text(name))


def check_signed(artifact: Artifact, *, required: bool = False) -> str | None:
    """Refuse ``artifact`` unless a trusted key signed it, when ``required`` or the
    ``require_signatures`` setting says so (before anything of it is unpacked or loaded);
    answers the signing key's fingerprint (None: not checked)."""
    if not (required or STATE.settings.require_signatures):
        return None
    from modelport.artifact.signing import verify_artifact

    return verify_artifact(artifact, _ring())


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
