"""The curl line a server printed at start, sent as curl would send it (with httpx)."""

from __future__ import annotations

import shlex

import httpx

FORM = "application/x-www-form-urlencoded"
"""What curl sends ``-d`` data as when the line names no Content-Type."""


def printed_curl(output: str) -> str:
    """The one curl line among the server's output lines."""
    lines = [line for line in output.splitlines() if line.startswith("curl ")]
    assert len(lines) == 1, output
    return lines[0]


def send_curl(line: str, timeout: float = 30) -> httpx.Response:
    """Send the request ``line`` describes (``curl -s [-X M] URL [-H H]... [-d DATA]``)."""
    words = shlex.split(line)
    assert words[0] == "curl", line
    method: str | None = None
    url: str | None = None
    headers: dict[str, str] = {}
    data: str | None = None
    rest = iter(words[1:])
    for word in rest:
        if word == "-s":
            continue
        if word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = next(rest)
        else:
            assert url is None and word.startswith("http"), f"unexpected {word!r} in {line}"
            url = word
    assert url is not None, line
    if data is not None:
        headers.setdefault("Content-Type", FORM)
    method = method or ("POST" if data is not None else "GET")
    return httpx.request(method, url, headers=headers, content=data, timeout=timeout)
