"""Searching and paging the registry: the filter syntax and the page tokens, in one place.

A filter is a list of terms, all of which must match: ``KEY=VALUE`` matches a tag exactly,
and any other term is a substring of the model's name (``--filter iris --filter team=fraud``).

Page tokens are opaque to callers: the URL-safe base64 of a small JSON object saying what
listing they continue and the last key the previous page returned. Paging by key (names,
version numbers), not by offset, keeps every page as cheap as the first and never skips or
repeats an item when others are added or deleted between calls.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from modelport.errors import InvalidInput
from modelport.registry import refs
from modelport.registry.entities import Page

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

FILTER_SYNTAX = (
    "KEY=VALUE matches a tag exactly; any other term is a substring of the model name; "
    "repeat --filter to require several"
)


@dataclass(frozen=True)
class Filter:
    """What a search keeps: names containing ``name_contains`` and carrying every tag."""

    name_contains: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def parse_filter(terms: list[str] | None, *, names: bool = True) -> Filter:
    """The :class:`Filter` the terms describe (``names=False``: tag terms only)."""
    name_contains: str | None = None
    tags: dict[str, str] = {}
    for term in terms or []:
        key, equals, value = term.partition("=")
        if equals:
            refs.validate_tag(key, value)
            tags[key] = value
        elif not names:
            raise InvalidInput(
                f"filter {term!r} is not a tag match", hint="Write it as KEY=VALUE.", field="filter"
            )
        elif name_contains is not None:
            raise InvalidInput(
                f"filter {term!r}: only one name substring can be given",
                hint=f"Already filtering names on {name_contains!r}; {FILTER_SYNTAX}.",
                field="filter",
            )
        else:
            name_contains = validate_name_part(term)
    return Filter(name_contains, tags)


def validate_name_part(text: str) -> str:
    """A substring to look for in names: the characters names use, lowercased."""
    lowered = text.lower()
    if (
        not lowered
        or len(lowered) > refs.NAME_MAX
        or lowered.strip("abcdefghijklmnopqrstuvwxyz0123456789-")
    ):
        raise InvalidInput(
            f"filter {text!r} cannot be part of a model name",
            hint=f"Names are {refs.NAME_RULE}; {FILTER_SYNTAX}.",
            field="filter",
        )
    return lowered


def validate_page_size(value: object) -> int:
    """Return ``value`` if it is a page size from 1 to :data:`MAX_PAGE_SIZE`; else InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"max_results {value!r} is not a page size",
            hint=f"Ask for 1 to {MAX_PAGE_SIZE} results a page.",
            field="max_results",
        )
    return value


def encode_token(listing: str, after: str | int) -> str:
    """The token continuing ``listing`` after the key ``after``."""
    raw = json.dumps({"l": listing, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


Key = TypeVar("Key", str, int)


def decode_token(token: str | None, listing: str, key_type: type[Key]) -> Key | None:
    """The key (a ``key_type``) a token of ``listing`` continues after (None for no token);
    InvalidInput for a token that is not one (made up, cut short, or from another listing)."""
    if token is None:
        return None
    bad = InvalidInput(
        f"page token {token[:40]!r} is not one this listing gave",
        hint="Pass the next_page_token of the previous page unchanged, or leave it out to start.",
        field="page_token",
    )
    if not isinstance(token, str) or len(token) > 400:
        raise bad
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError) as error:
        raise bad from error
    if not isinstance(decoded, dict) or decoded.get("l") != listing:
        raise bad
    after = decoded.get("a")
    if isinstance(after, bool) or not isinstance(after, key_type):
        raise bad
    return after


Item = TypeVar("Item")


def every_item(page_of: Callable[[str | None], Page[Item]]) -> list[Item]:
    """Every item of a paged listing: ``page_of(token)`` asked for page after page."""
    items: list[Item] = []
    token: str | None = None
    while True:
        page = page_of(token)
        items += page.items
        if page.next_page_token is None:
            return items
        token = page.next_page_token
