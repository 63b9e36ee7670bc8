"""The filter syntax and the page tokens of registry searches."""

from __future__ import annotations

import base64
import json

import pytest

from modelport.errors import InvalidInput
from modelport.registry.search import Filter, decode_token, encode_token, parse_filter


def test_terms_are_tags_or_one_name_part() -> None:
    assert parse_filter(None) == Filter()
    assert parse_filter(["Iris", "team=fraud", "stage=qa"]) == Filter(
        "iris", {"team": "fraud", "stage": "qa"}
    )
    assert parse_filter(["a=b=c"]).tags == {"a": "b=c"}  # the first '=' splits
    assert parse_filter(["team="]).tags == {"team": ""}


@pytest.mark.parametrize(
    ("terms", "names", "says"),
    [
        (["iris", "wine"], True, "only one name substring"),
        (["iris%"], True, "cannot be part of a model name"),
        (["=x"], True, "tag key"),
        (["iris"], False, "not a tag match"),
    ],
)
def test_bad_terms_say_the_syntax(terms: list[str], names: bool, says: str) -> None:
    with pytest.raises(InvalidInput, match=says) as caught:
        parse_filter(terms, names=names)
    assert caught.value.field in {"filter", "tags"}


def test_tokens_round_trip_and_belong_to_one_listing() -> None:
    token = encode_token("models", "iris")
    assert "iris" not in token  # opaque, URL-safe
    assert token.replace("-", "").replace("_", "").isalnum()
    assert decode_token(token, "models", str) == "iris"
    assert decode_token(encode_token("versions:iris", 7), "versions:iris", int) == 7
    assert decode_token(None, "models", str) is None
    for bad in (
        token[:-3],
        "not base64!",
        encode_token("versions:iris", 7),  # another listing
        encode_token("models", 7),  # a number where a name goes
        base64.urlsafe_b64encode(json.dumps({"l": "models", "a": True}).encode()).decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ):
        with pytest.raises(InvalidInput, match="page token") as caught:
            decode_token(bad, "models", str)
        assert caught.value.field == "page_token"
