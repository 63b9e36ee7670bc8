"""The options and output of paged listings (`models list`, `versions`): one page when asked
for one, every item otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from modelport.registry.entities import Page
from modelport.registry.search import FILTER_SYNTAX, MAX_PAGE_SIZE

Item = TypeVar("Item")

FilterOption = Annotated[
    list[str] | None,
    typer.Option("--filter", metavar="TERM", help=f"Keep only matches: {FILTER_SYNTAX}."),
]
TagFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        metavar="KEY=VALUE",
        help="Keep only versions with this tag (repeat --filter to require several).",
    ),
]
MaxResultsOption = Annotated[
    int | None,
    typer.Option(
        "--max-results",
        metavar="N",
        help=f"Print one page of at most this many (1 to {MAX_PAGE_SIZE}); --json then gives "
        '{"items": [...], "next_page_token": ...}.',
    ),
]
PageTokenOption = Annotated[
    str | None,
    typer.Option(
        "--page-token",
        metavar="TOKEN",
        help="Continue after the page whose next_page_token this is.",
    ),
]


def collect(
    fetch: Callable[[int, str | None], Page[Item]], *, max_results: int | None, token: str | None
) -> Page[Item]:
    """One page when ``max_results`` or ``token`` is given; else every page, joined."""
    if max_results is not None or token is not None:
        return fetch(max_results or 100, token)
    items: list[Item] = []
    while True:
        page = fetch(MAX_PAGE_SIZE, token)
        items += page.items
        if page.next_page_token is None:
            return Page(items)
        token = page.next_page_token


def say_next_page(page: Page[Item]) -> None:
    """Tell, on stderr, how to ask for the next page when there is one."""
    if page.next_page_token is not None:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            Text(f"more: add --page-token {page.next_page_token}")
        )
