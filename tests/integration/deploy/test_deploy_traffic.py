"""Canary and shadow deployments on the session's real Ray cluster: two versions of one model
behind one route, a router in front (at most two deployments more than a plain deployment: the
router and the other version's). A 50% canary shares ~200 requests between the versions,
counted alike by the router's metrics; promoting it moves the alias to its version; a shadow's
answers are logged beside the primary's while clients see only the primary's; rolling back
ends the shadow."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ..cli import run_cli
from .ray_cluster import RayCluster

pytest.importorskip("ray.serve", reason="ray[serve] is not installed (pip install modelport[ray])")

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "iris"
MODEL = "splitiris"
ROWS = [
    {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
    {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3},
]


@dataclass(frozen=True)
class Versions:
    cluster: RayCluster
    home: Path
    url: str


@pytest.fixture(scope="module")
def versions(
    ray_session_cluster: RayCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Versions]:
    """Versions 1 and 2 of the model registered, production on 1, nothing deployed yet."""
    home = tmp_path_factory.mktemp("split-home")
    project = tmp_path_factory.mktemp("split-src") / MODEL
    shutil.copytree(EXAMPLE, project)
    for _ in range(2):
        built = run_cli("build", str(project), "--env", "inherit", home=home)
        assert built.code == 0, built.stderr
        model = project / "main" / "model.py"
        model.write_text(model.read_text() + "\n# another version\n")
    assert run_cli("alias", "set", MODEL, "production", "1", home=home).code == 0
    url = f"http://127.0.0.1:{ray_session_cluster.http_port}/{MODEL}"
    yield Versions(ray_session_cluster, home, url)
    run_cli("deploy", "rm", MODEL, home=home, timeout=120)


def _deploy(versions: Versions, *options: str) -> None:
    result = run_cli(
        "deploy", f"{MODEL}@production", "--target", versions.cluster.target,
        "--http-host", "127.0.0.1", "--http-port", str(versions.cluster.http_port),
        *options, home=versions.home, timeout=600,
    )  # fmt: skip
    assert result.code == 0, result.stderr


def _predict(client: httpx.Client, url: str) -> httpx.Response:
    answer = client.post(f"{url}/v1/models/{MODEL}/predict", json=ROWS)
    assert answer.status_code == 200, answer.text
    return answer


def _status(versions: Versions) -> dict[str, object]:
    status = run_cli("deploy", "status", MODEL, "--json", home=versions.home, timeout=120)
    assert status.code == 0, status.stderr
    found: dict[str, object] = status.json()
    return found


def test_a_canary_shares_the_requests_and_the_metrics_count_them(versions: Versions) -> None:
    _deploy(versions, "--canary", "50%", "--canary-version", "2")
    status = _status(versions)
    assert status["traffic"] == "v1 50% / v2 50%"
    assert status["split"] == {"primary": 1, "canary": 2, "percent": 50.0, "shadow": None}
    with httpx.Client(timeout=30) as client:
        answered = Counter(
            _predict(client, versions.url).headers["modelport-version"] for _ in range(200)
        )
        metrics = client.get(f"{versions.url}/metrics").text
    assert set(answered) == {"1", "2"}
    assert 50 <= answered["1"] <= 150, answered  # each between 25% and 75% of 200
    counted = {
        found["version"]: int(float(found["value"]))
        for found in re.finditer(
            r'modelport_traffic_requests_total\{outcome="2xx",role="(?:primary|canary)",'
            r'version="(?P<version>\d+)"\} (?P<value>\S+)',
            metrics,
        )
    }
    assert counted == dict(answered), metrics
    assert "# TYPE modelport_model_ready " in metrics  # the primary's own metrics come first
    # each version's own routes stay reachable under /-/versions/N
    one = httpx.get(f"{versions.url}/-/versions/2/v2/models/{MODEL}", timeout=30)
    assert one.status_code == 200, one.text
    assert one.json()["versions"] == ["2"]


def test_promoting_the_canary_moves_the_alias_to_it(versions: Versions) -> None:
    promoted = run_cli("deploy", "promote", MODEL, "--json", home=versions.home, timeout=600)
    assert promoted.code == 0, promoted.stderr
    [record] = promoted.json()
    assert (record["version"], record["reference"]) == (2, f"{MODEL}@production")
    assert _status(versions)["traffic"] == "v2 100%"
    aliases = run_cli("versions", MODEL, "--json", home=versions.home).json()
    assert [v["number"] for v in aliases if "production" in v["aliases"]] == [2]
    answer = httpx.get(f"{versions.url}/v2/models/{MODEL}", timeout=30)
    assert answer.json()["versions"] == ["2"]
    nothing = run_cli("deploy", "rollback", MODEL, home=versions.home, timeout=120)
    assert nothing.code != 0
    assert "has no canary or shadow to roll back" in nothing.stderr


def test_a_shadow_answers_into_the_log_and_never_to_the_client(versions: Versions) -> None:
    _deploy(versions, "--shadow", "1")  # production is on 2 since the canary's promotion
    assert _status(versions)["traffic"] == "v2 100%, shadow v1"
    with httpx.Client(timeout=30) as client:
        answers = [_predict(client, versions.url) for _ in range(20)]
    assert {answer.headers["modelport-version"] for answer in answers} == {"2"}
    log = versions.home / "deployments" / MODEL / "shadow.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_lines(log)) < 20:
        time.sleep(0.2)
    lines = _lines(log)
    assert len(lines) == 20
    for line in lines:
        assert line["path"] == f"/v1/models/{MODEL}/predict"
        assert (line["primary"]["version"], line["shadow"]["version"]) == (2, 1)
        assert (line["primary"]["status"], line["shadow"]["status"]) == (200, 200)
        assert line["shadow"]["body"] == line["primary"]["body"] == answers[0].json()


def _lines(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_rolling_back_ends_the_shadow(versions: Versions) -> None:
    rolled = run_cli("deploy", "rollback", MODEL, "--json", home=versions.home, timeout=600)
    assert rolled.code == 0, rolled.stderr
    [record] = rolled.json()
    assert (record["version"], record["reference"]) == (2, f"{MODEL}@production")
    assert _status(versions)["traffic"] == "v2 100%"
    with httpx.Client(timeout=30) as client:
        assert "modelport-version" not in _predict(client, versions.url).headers  # no router
