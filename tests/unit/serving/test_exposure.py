"""Who may use a server, decided per request: host names, other sites' pages, tokens; and the
warning for a server listening beyond this machine with no token."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from modelport.errors import ConfigError, Unauthorised
from modelport.serving.auth import Tokens, read_tokens
from modelport.serving.exposure import Exposure, warn_if_exposed
from modelport.serving.hosts import (
    cross_site,
    default_allowed_hosts,
    host_allowed,
    host_name,
    parse_allowed_hosts,
)


@pytest.mark.parametrize(
    ("header", "name"),
    [("localhost:8080", "localhost"), ("[::1]:8080", "::1"), ("Models.Example", "models.example")],
)
def test_host_names_lose_their_port(header: str, name: str) -> None:
    assert host_name(header) == name


def test_a_loopback_server_answers_its_own_names_only() -> None:
    allowed = default_allowed_hosts("127.0.0.1")
    assert host_allowed("localhost:8080", allowed)
    assert host_allowed("127.0.0.1:8080", allowed)
    assert host_allowed("[::1]:8080", allowed)
    assert not host_allowed("attacker.example:8080", allowed)
    assert not host_allowed(None, allowed)
    assert default_allowed_hosts("0.0.0.0") is None  # every interface: any name


def test_allowed_hosts_take_lists_suffixes_and_a_star() -> None:
    allowed = parse_allowed_hosts(["models.example,*.corp.example", " api.example "])
    assert host_allowed("api.example", allowed)
    assert host_allowed("eu.corp.example:443", allowed)
    assert not host_allowed("corp.example.attacker.example", allowed)
    assert parse_allowed_hosts(["models.example", "*"]) is None
    assert Exposure(allowed_hosts=("models.example",)).hosts_for("127.0.0.1") == {"models.example"}
    assert Exposure().hosts_for(None) is None  # an app whose address is not known here


def test_another_sites_page_is_told_from_the_servers_own() -> None:
    assert not cross_site(None, "127.0.0.1:8080")  # a client, not a page
    assert not cross_site("http://127.0.0.1:8080", "127.0.0.1:8080")
    assert cross_site("https://attacker.example", "127.0.0.1:8080")
    assert cross_site("http://127.0.0.1:9999", "127.0.0.1:8080")
    assert cross_site("null", "127.0.0.1:8080")  # a sandboxed page or a local file


def _admit(tokens: Tokens, header: str | None) -> None:
    asyncio.run(tokens.admit(header))


def test_tokens_are_checked_by_digest(tmp_path: Path) -> None:
    tokens = Tokens(["first", "second"])
    _admit(tokens, "Bearer first")
    _admit(tokens, "bearer second")
    for header in (None, "", "Bearer", "Bearer third", "Basic first", "first"):
        with pytest.raises(Unauthorised) as refused:
            _admit(tokens, header)
        assert refused.value.field == "Authorization"
    _admit(Tokens(), None)  # none required


def test_a_tokens_file_skips_comments_and_must_hold_one(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text("# scoring\n\n  one  \ntwo\n")
    tokens = read_tokens(path)
    _admit(tokens, "Bearer one")
    _admit(tokens, "Bearer two")
    path.write_text("# nothing yet\n")
    with pytest.raises(ConfigError, match="holds no token"):
        read_tokens(path)
    with pytest.raises(ConfigError, match="cannot read the tokens file"):
        read_tokens(tmp_path / "missing")


def test_tls_needs_both_files(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("-")
    with pytest.raises(ConfigError) as refused:
        Exposure(ssl_certfile=cert)
    assert refused.value.field == "--ssl-keyfile"
    with pytest.raises(ConfigError, match="is not a file"):
        Exposure(ssl_certfile=cert, ssl_keyfile=tmp_path / "missing.pem")


def test_listening_beyond_this_machine_without_a_token_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="modelport.serving"):
        warn_if_exposed("127.0.0.1", Exposure())
        warn_if_exposed("::1", Exposure())
        warn_if_exposed("0.0.0.0", Exposure(tokens=Tokens(["t"])))
        assert caplog.records == []
        warn_if_exposed("0.0.0.0", Exposure())
    (record,) = caplog.records
    assert "with no token" in record.getMessage()
    assert "--auth-token" in record.getMessage()
