"""Wallaroo's DNS-compliant names, refused with the fixed name suggested."""

from __future__ import annotations

import pytest

from modelport.errors import InvalidInput
from modelport.formats.wallaroo.names import check_dns_name, suggested_name


@pytest.mark.parametrize("name", ["ccfraud", "house-price-2", "a"])
def test_dns_names_pass(name: str) -> None:
    assert check_dns_name(name) == name


@pytest.mark.parametrize(
    ("name", "fixed"),
    [
        ("house_price", "house-price"),
        ("model.v2", "model-v2"),
        ("CCFraud", "ccfraud"),
        ("-edge-", "edge"),
        ("__", "model"),
    ],
)
def test_other_names_are_refused_with_the_fixed_name(name: str, fixed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_dns_name(name, field="pipeline")
    assert caught.value.field == "pipeline"
    assert caught.value.hint == f"use {fixed!r}"
    assert suggested_name(name) == fixed


def test_the_refused_characters_are_named() -> None:
    with pytest.raises(InvalidInput, match=r"holds '\.', '_'"):
        check_dns_name("my_model.v1")


def test_a_name_longer_than_a_dns_label_is_refused() -> None:
    with pytest.raises(InvalidInput, match="longer than 63"):
        check_dns_name("a" * 64)
