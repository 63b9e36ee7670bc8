"""Traffic splits as the command line gives them, and the shadow's bounded log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelport.deploy.shadow_log import MAX_BODY_CHARS, Answer, ShadowLog
from modelport.deploy.traffic import Traffic, parse_percent, traffic
from modelport.errors import ConfigError


def test_percentages() -> None:
    assert [parse_percent(t) for t in ("10%", "10", " 2.5 % ", "0")] == [10.0, 10.0, 2.5, 0.0]


@pytest.mark.parametrize("text", ["100%", "150", "-5", "ten", "10%%", ""])
def test_bad_percentages_name_the_option(text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_percent(text)
    assert raised.value.field == "--canary"


def test_splits_and_their_descriptions() -> None:
    canary = traffic(1, canary="10%", canary_version=3, shadow=None)
    assert (canary, canary.routed) == (Traffic(1, canary=3, percent=10.0), True)
    assert canary.describe() == "v1 90% / v3 10%"
    shadow = traffic(1, canary=None, canary_version=None, shadow=2)
    assert shadow.describe() == "v1 100%, shadow v2"
    assert Traffic.from_dict(shadow.as_dict()) == shadow
    ended = traffic(1, canary="0", canary_version=3, shadow=None)  # --canary 0: no canary
    assert (ended.routed, ended.describe()) == (False, "v1 100%")


@pytest.mark.parametrize(
    ("canary", "canary_version", "shadow", "field"),
    [
        ("10%", None, None, "--canary-version"),
        (None, 3, None, "--canary"),
        ("10%", 1, None, "--canary-version"),
        (None, None, 1, "--shadow"),
    ],
)
def test_bad_splits_name_the_option(
    canary: str | None, canary_version: int | None, shadow: int | None, field: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        traffic(1, canary=canary, canary_version=canary_version, shadow=shadow)
    assert raised.value.field == field


def test_the_shadow_log_keeps_both_answers_and_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "iris" / "shadow.jsonl"
    log = ShadowLog(path, max_bytes=2000)
    primary = Answer(1, 200, b'[{"species": "setosa"}]')
    log.write("POST", "/v1/models/iris/predict", primary, Answer(2, error="TimeoutError"))
    [line] = [json.loads(text) for text in path.read_text().splitlines()]
    assert line["primary"] == {"version": 1, "status": 200, "body": [{"species": "setosa"}]}
    assert line["shadow"] == {"version": 2, "error": "TimeoutError"}
    for _ in range(40):
        log.write("POST", "/p", primary, primary)
    rotated = path.with_name("shadow.jsonl.1")
    assert path.stat().st_size <= 2000 and rotated.stat().st_size <= 2000
    assert sorted(p.name for p in path.parent.iterdir()) == ["shadow.jsonl", "shadow.jsonl.1"]


def test_long_or_non_json_bodies_are_cut_and_kept_as_text() -> None:
    long = Answer(1, 200, b"x" * (MAX_BODY_CHARS + 10)).as_dict()
    assert (len(long["body"]), long["truncated"]) == (MAX_BODY_CHARS, True)
    assert Answer(1, 500, b"oops").as_dict()["body"] == "oops"
