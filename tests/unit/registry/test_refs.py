"""Names, references, tags and digests: the rules of the registry's vocabulary."""

from __future__ import annotations

import pytest

from modelport.errors import InvalidInput
from modelport.registry.refs import (
    Ref,
    parse_ref,
    validate_digest,
    validate_json_object,
    validate_name,
    validate_number,
    validate_source_format,
    validate_tags,
)


@pytest.mark.parametrize("name", ["iris", "a", "0", "iris-v2", "a" * 63, "9-lives"])
def test_valid_names_pass(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "Iris", "-iris", "iris-", "iris_v2", "iris.v2", "a" * 64, "ïris", "ir is", 3]
)
def test_invalid_names_spell_out_the_rule(name: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_name(name, field="alias")
    assert caught.value.field == "alias"
    assert "lowercase letters, digits and '-'" in str(caught.value)
    assert "at most 63 characters" in str(caught.value)


@pytest.mark.parametrize("number", [0, -1, True, 1.0, "2", None])
def test_invalid_version_numbers(number: object) -> None:
    with pytest.raises(InvalidInput, match="whole numbers from 1"):
        validate_number(number)


def test_valid_version_number() -> None:
    assert validate_number(7) == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iris", Ref("iris")),
        ("iris:latest", Ref("iris")),
        ("iris:2", Ref("iris", number=2)),
        ("iris:10", Ref("iris", number=10)),
        ("iris@production", Ref("iris", alias="production")),
        ("models:/iris", Ref("iris")),
        ("models:/iris/latest", Ref("iris")),
        ("models:/iris/3", Ref("iris", number=3)),
        ("models:/iris@production", Ref("iris", alias="production")),
    ],
)
def test_parse_ref(text: str, expected: Ref) -> None:
    assert parse_ref(text) == expected


@pytest.mark.parametrize("ref", [Ref("iris"), Ref("iris", number=3), Ref("iris", alias="prod")])
def test_ref_round_trips_through_str(ref: Ref) -> None:
    assert parse_ref(str(ref)) == ref


@pytest.mark.parametrize(
    "text",
    [
        "iris:", "iris:0", "iris:-1", "iris:two", "iris:2@prod", "iris@", "@prod", "Iris", "",
        "models:/", "models:/iris/0", "models:/iris/3/4", "models:/Iris/3", "models:/iris@x/2",
        "models:/iris:3", "models:/iris@",
    ],
)  # fmt: skip
def test_bad_refs_are_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_ref(text)


def test_bad_ref_message_shows_the_three_forms() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_ref("iris:two")
    assert "'name', 'name:2' or 'name@alias'" in str(caught.value)


def test_mlflow_stages_point_at_aliases() -> None:
    with pytest.raises(InvalidInput, match="MLflow stage") as caught:
        parse_ref("models:/iris/Production")
    assert "models:/iris@production" in str(caught.value)
    assert caught.value.field == "ref"


def test_tags_are_validated() -> None:
    assert validate_tags(None) == {}
    assert validate_tags({"team": "fraud", "k8s.io/app": "x"}) == {
        "team": "fraud",
        "k8s.io/app": "x",
    }
    with pytest.raises(InvalidInput, match="tag key 'has space'"):
        validate_tags({"has space": "x"})
    with pytest.raises(InvalidInput, match="invalid value"):
        validate_tags({"team": 3})
    with pytest.raises(InvalidInput, match="mapping"):
        validate_tags(["team"])


def test_digest_format() -> None:
    good = "sha256:" + "a" * 64
    assert validate_digest(good) == good
    for bad in ["sha256:" + "A" * 64, "md5:" + "a" * 32, "a" * 64, "sha256:abc"]:
        with pytest.raises(InvalidInput, match="digest"):
            validate_digest(bad)


def test_json_objects_must_be_storable() -> None:
    assert validate_json_object({"a": [1, None]}, "metadata") == {"a": [1, None]}
    with pytest.raises(InvalidInput, match="metadata cannot be stored as JSON"):
        validate_json_object({"a": object()}, "metadata")
    with pytest.raises(InvalidInput, match="lineage must be a JSON object"):
        validate_json_object([1], "lineage")
    with pytest.raises(InvalidInput):
        validate_json_object({"a": float("nan")}, "build")


def test_source_format() -> None:
    assert validate_source_format("qwak") == "qwak"
    with pytest.raises(InvalidInput, match="source_format"):
        validate_source_format("")
