"""The web UI as the package ships it, and the two routes it added to the API (a version's
manifest, the playground's predict), in-process: the committed build is the build of the
committed sources, the page is served under a policy that allows nothing from elsewhere, and
the routes answer or refuse before any model is started. The UI itself, in a browser against
a live server, is tests/e2e/test_web_ui.py."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from modelport.artifact.manifest import Manifest
from modelport.artifact.writer import write_artifact
from modelport.server.ui import POLICY, STATIC
from modelport.testing.apps import app_client

from .conftest import ServerParts

UI = Path(__file__).resolve().parents[3] / "ui"
SOURCES = ["src", "index.html", "package.json", "package-lock.json", "tsconfig.json",
           "vite.config.ts", "stamp.mjs"]  # fmt: skip
"""What the build is made from: ``ui/stamp.mjs`` digests the same list the same way."""


def sources_digest(root: Path) -> str:
    """sha256 over the lines ``<sha256 of file>  <path>`` of every source file, by path."""
    files = sorted(
        path.relative_to(root).as_posix()
        for name in SOURCES
        for path in ([root / name] if (root / name).is_file() else (root / name).rglob("*"))
        if path.is_file()
    )
    lines = "".join(f"{hashlib.sha256((root / f).read_bytes()).hexdigest()}  {f}\n" for f in files)
    return hashlib.sha256(lines.encode()).hexdigest()


def test_the_committed_build_is_the_build_of_the_committed_sources() -> None:
    stamped = (STATIC / "SOURCES.sha256").read_text().strip()
    assert stamped == sources_digest(UI), "the UI changed: run `npm run build` in ui/"


def test_the_page_loads_only_its_own_assets() -> None:
    page = (STATIC / "index.html").read_text()
    linked = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert linked, page
    for target in linked:
        if target.startswith("data:"):
            continue
        assert target.startswith("/ui/assets/"), target
        assert (STATIC / target.removeprefix("/ui/")).is_file(), target


def test_the_server_sends_the_browser_to_the_ui_under_a_strict_policy(
    open_server: Callable[..., ServerParts],
) -> None:
    with app_client(open_server(auth=True).app) as client:
        moved = client.get("/", follow_redirects=False)
        assert (moved.status_code, moved.headers["location"]) == (307, "/ui/")
        page = client.get("/ui/")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == POLICY
        assert "default-src 'none'" in POLICY and "connect-src 'self'" in POLICY
        script = re.search(r'src="(/ui/assets/[^"]+\.js)"', page.text)
        assert script is not None
        asset = client.get(script[1])
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith("text/javascript")
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert client.get("/ui/assets/nothing.js").status_code == 404


def _register_artifact(parts: ServerParts, tmp_path: Path) -> None:
    manifest = Manifest(
        name="m", version="0.1.0", source_format="native", entry_point="main:M",
        python_version="3.11.7", lock=["numpy==2.1.0", "pandas==2.2.3"],
        build={"environment": "venv"},
    )  # fmt: skip
    info = write_artifact(tmp_path / "m.zip", manifest=manifest, files={"src/main.py": b"x = 1"})
    parts.state.registry.register_version(
        name="m", artifact=info.path, digest=info.digest, signature={}, metadata={},
        lineage={}, build={}, source_format="native",
    )  # fmt: skip


def test_a_versions_manifest_answers_its_python_and_lock(
    open_server: Callable[..., ServerParts], tmp_path: Path
) -> None:
    parts = open_server()
    _register_artifact(parts, tmp_path)
    with app_client(parts.app) as client:
        found = client.get("/api/v1/workspaces/default/models/m/versions/1/manifest")
        assert found.status_code == 200, found.text
        body = found.json()
        assert (body["python_version"], body["lock"]) == (
            "3.11.7",
            ["numpy==2.1.0", "pandas==2.2.3"],
        )
        assert (body["entry_point"], body["file_count"]) == ("main:M", 1)
        assert "files" not in body
        missing = client.get("/api/v1/workspaces/default/models/m/versions/7/manifest")
        assert (missing.status_code, missing.json()["field"]) == (404, "version")


def test_the_playground_refuses_what_is_not_rows_before_starting_anything(
    open_server: Callable[..., ServerParts], tmp_path: Path
) -> None:
    parts = open_server()
    _register_artifact(parts, tmp_path)
    url = "/api/v1/workspaces/default/models/m/versions/1/predict"
    with app_client(parts.app) as client:
        wrong_type = client.post(url, content=b"x", headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 415
        assert "application/json or text/csv" in wrong_type.json()["detail"]
        not_json = client.post(url, content=b"[{", headers={"content-type": "application/json"})
        assert (not_json.status_code, not_json.json()["field"]) == (400, "rows")
        scalar = client.post(url, content=b"3", headers={"content-type": "application/json"})
        assert scalar.status_code == 400
        empty_csv = client.post(url, content=b"\n", headers={"content-type": "text/csv"})
        assert empty_csv.status_code == 400
        too_big = client.post(url, json=[{"x": "y" * 1024 * 1024}])
        assert too_big.status_code == 413
        missing = client.post(url.replace("/1/", "/5/"), json=[{"x": 1}])
        assert missing.status_code == 404
    assert parts.app.state.playground.servings == []  # nothing was started
