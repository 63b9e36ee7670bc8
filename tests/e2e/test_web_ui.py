"""The web UI in a real headless Chromium (Playwright driving Debian's ``/usr/bin/chromium``)
against a live ``modelport server`` holding two versions of an iris classifier built here:
signing in with a token, finding a model, comparing its versions, trying one in the
playground and getting the model's own answer, moving an alias (seen through the CLI), and a
viewer who sees no write controls and whom the API refuses anyway; a pipeline's logged
inferences and the DEEPaaS training jobs a real ``modelport serve`` ran; a real
``modelport deploy --target local`` deployment, its plots moving as it answers. Every page is
checked with axe-core (no serious or critical violation) and photographed into docs/ui/, at
desktop width and at a phone's (390 px).

Needs Debian's ``chromium`` package and the ``playwright`` and ``axe-playwright-python``
packages (the ``test`` extra); skipped where the browser is absent.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from modelport.connections.store import RegistryConnections
from modelport.pipelines.editing import add_validation, create_pipeline
from modelport.pipelines.store import PipelineStore
from modelport.registry.sql.database import Database
from modelport.registry.uris import open_store
from modelport.scaffold import scaffold
from modelport.settings import Settings
from modelport.testing import free_port
from modelport.testing.server import ServerProcess
from tests.integration.cli import run_cli
from tests.integration.deepaas.conftest import PACKAGE as DEEPAAS_PACKAGE
from tests.integration.deepaas.conftest import serving
from tests.integration.registry_server import make_token, start_registry_server

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "ui"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MLFLOW_SECRET = "s3cret-pass-41"
SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


@dataclass(frozen=True)
class Registry:
    url: str
    home: Path
    owner: str
    """The token of ada, owner of the default workspace."""
    viewer: str
    """The token of vic, a viewer there."""
    deployment: str
    """The URL of iris@prod deployed by ``modelport deploy --target local``."""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A server whose registry holds iris:1 (built by ``modelport test``: unit and integration
    tests run; alias prod) and iris:2 (another hyperparameter and description, one more
    requirement, tests skipped), tagged team=flowers; pipeline flowers (iris:1, one validation,
    one logged inference); dptest, a DEEPaaS model trained twice by ``modelport serve`` (done,
    failed); an external registry connection; iris@prod deployed with ``--target local``."""
    folder = tmp_path_factory.mktemp("web-ui")
    home = folder / "home"
    uri = f"sqlite:///{folder / 'registry.db'}"
    project = folder / "iris"
    scaffold("iris", template="sklearn", dest=project, class_name="Iris")

    def cli(*args: str) -> None:
        result = run_cli("--registry", uri, *args, home=home)
        assert result.code == 0, result.stderr

    cli("test", str(project), "--env", "inherit")  # a build that runs tests/it too, served
    model = project / "main" / "model.py"
    code = model.read_text().replace('gamma = "scale"', 'gamma = "auto"')
    model.write_text(code.replace("petal sizes", "petal sizes (gamma auto)"))
    with (project / "main" / "requirements.txt").open("a") as requirements:
        requirements.write("numpy\n")
    cli("build", str(project), "--env", "inherit", "--skip-tests")
    settings = Settings(home=home, registry_uri=uri)
    database = Database.open(uri)
    with open_store(uri, settings=settings) as store:
        store.set_alias(name="iris", alias="prod", number=1, actor="root")
        store.set_model_tag(name="iris", key="team", value="flowers")
        pipelines = PipelineStore(database)
        create_pipeline("flowers", registry=store, pipelines=pipelines, steps=["iris:1"],
                        description="iris, checked")  # fmt: skip
        add_validation("flowers", "known", "out.species < 3", registry=store, pipelines=pipelines)
    database.close()
    rows = folder / "setosa.csv"
    rows.write_text(",".join(SETOSA) + "\n" + ",".join(map(str, SETOSA.values())) + "\n")
    cli("pipeline", "infer", "flowers", "--file", str(rows), "--log-inferences")
    _train_deepaas(folder, uri, home, cli)
    # an MLflow registry nothing answers at (port 9, discard): its token must never be shown
    with RegistryConnections.open(uri, settings=settings) as connections:
        connections.create(name="team-mlflow", url="http://127.0.0.1:9",
                           token=f"alice:{MLFLOW_SECRET}")  # fmt: skip
    owner = make_token(uri, "ada", roles={"default": "owner"})
    viewer = make_token(uri, "vic", roles={"default": "viewer"})
    deployed = run_cli("--registry", uri, "deploy", "iris@prod", "--target", "local",
                       "--port", "0", "--json", home=home)  # fmt: skip
    assert deployed.code == 0, deployed.stderr
    try:
        server: ServerProcess = start_registry_server(uri, home=home)
        try:
            yield Registry(server.url, home, owner, viewer, deployed.json()[0]["url"])
        finally:
            server.stop()
    finally:
        removed = run_cli("--registry", uri, "deploy", "rm", "iris", home=home)
        assert removed.code == 0, removed.stderr


def _train_deepaas(folder: Path, uri: str, home: Path, cli: Any) -> None:
    """dptest (a DEEPaaS package) built into the registry and served by ``modelport serve``,
    which runs two trainings there: one done, one failed."""
    package = shutil.copytree(DEEPAAS_PACKAGE, folder / "dptest_package")
    cli("build", str(package), "--env", "inherit")
    port = free_port()
    command = [sys.executable, "-m", "modelport", "--registry", uri, "serve", "--deepaas",
               "dptest", "--port", str(port)]  # fmt: skip
    with serving(command, {"MODELPORT_HOME": str(home)}, folder / "deepaas-tmp", port) as server:
        train = f"{server.url}/v2/models/dptest/train/"
        for params in ({"seconds": "0.1"}, {"seconds": "0", "fail": "true"}):
            uuid = httpx.post(train, params=params, timeout=30).json()["uuid"]
            deadline = time.monotonic() + 60
            while httpx.get(f"{train}{uuid}", timeout=10).json()["status"] == "running":
                assert time.monotonic() < deadline, f"training {uuid} still running"
                time.sleep(0.2)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page_for(browser: Browser, registry: Registry) -> Iterator[Any]:
    """A signed-in page (a fresh browser context: its own session storage) for a token; every
    request it makes is recorded, and must go to the server only."""
    opened: list[Any] = []
    requested: list[str] = []

    def open_page(token: str, viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        opened.append(context)
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{registry.url}/")
        expect(page).to_have_url(f"{registry.url}/ui/")
        page.get_by_label("API token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Models in default")).to_be_visible()
        return page

    yield open_page
    for context in opened:
        context.close()
    web = [url for url in requested if url.startswith(("http:", "https:", "ws:", "wss:"))]
    elsewhere = [url for url in web if not url.startswith(registry.url + "/")]
    assert elsewhere == [], "the UI asked another origin"


def check_page(page: Page, name: str) -> None:
    """No serious or critical accessibility violation (axe-core), then a screenshot in docs."""
    found = Axe().run(page)
    violations = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in found.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == [], f"{name}: {violations}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_signing_in_and_finding_a_model_need_only_the_keyboard(
    browser: Browser, registry: Registry
) -> None:
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(f"{registry.url}/ui/")
        expect(page.get_by_label("API token")).to_be_visible()  # the page has rendered
        page.keyboard.press("Tab")
        expect(page.get_by_label("API token")).to_be_focused()
        page.keyboard.type(registry.viewer)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Models in default")).to_be_visible()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Skip to content")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("main")).to_be_focused()
        page.get_by_label("Name contains").focus()
        page.keyboard.type("iris")
        page.keyboard.press("Enter")
        link = page.get_by_role("link", name="iris", exact=True)
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="iris", exact=True)).to_be_visible()
        stored = page.evaluate("sessionStorage.getItem('modelport.token')")
        assert stored == registry.viewer  # the tab's session only
        assert page.evaluate("localStorage.length") == 0
    finally:
        context.close()


def test_sign_in_find_a_model_and_read_its_versions(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.owner)
    check_page(page, "models")
    page.get_by_label("Name contains").fill("ir")
    page.get_by_label("Tag (KEY=VALUE)").fill("team=flowers")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row", name="iris")
    expect(row).to_contain_text("2 (latest 2)")
    expect(row).to_contain_text("prod → 1")
    page.get_by_label("Name contains").fill("nothing-like-it")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No models match.")).to_be_visible()

    page.goto(f"{registry.url}/ui/#/models/default/iris")
    versions = page.get_by_role("table").filter(has_text="convention")
    expect(versions.get_by_role("row")).to_have_count(3)  # the header and two versions
    expect(versions).to_contain_text("sklearn")
    check_page(page, "model")

    page.get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_role("heading", name="iris version 1")).to_be_visible()
    expect(page.get_by_text("Python", exact=True)).to_be_visible()
    build = page.get_by_role("region", name="Build and tests")
    expect(build).to_contain_text("1 passed, 0 failed, 0 skipped (tests/ut)")
    expect(build).to_contain_text("1 passed, 0 failed, 0 skipped (tests/it)")  # served, kept
    lineage = page.get_by_role("region", name="Lineage")
    expect(lineage).to_contain_text("source_digest")
    check_page(page, "version")


def test_compare_two_versions(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.owner)
    page.goto(f"{registry.url}/ui/#/models/default/iris")
    page.get_by_label("Compare version").select_option("1")
    page.get_by_label("with version").select_option("2")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="iris: version 1 against version 2")).to_be_visible()
    expect(page.get_by_role("region", name="Schema")).to_contain_text("the same in both")
    metadata = page.get_by_role("region", name="Metadata")
    expect(metadata.get_by_role("row", name="description")).to_contain_text("(gamma auto)")
    lineage = page.get_by_role("region", name="Lineage")
    expect(lineage.get_by_role("row", name="source_digest")).to_have_count(1)
    build = page.get_by_role("region", name="Build", exact=True)
    tests = build.get_by_role("row").filter(has_text="tests")
    expect(tests.first).to_contain_text("absent")  # tests ran for 1, were skipped for 2
    check_page(page, "compare")


def test_the_playground_answers_with_the_models_own_answer(
    page_for: Any, registry: Registry
) -> None:
    page = page_for(registry.owner)
    page.goto(f"{registry.url}/ui/#/models/default/iris/versions/1")
    for name, value in SETOSA.items():
        page.get_by_label(name, exact=False).first.fill(str(value))
    page.get_by_role("button", name="Predict", exact=True).click()
    results = page.get_by_role("table", name="Results")
    expect(results).to_be_visible(timeout=120_000)  # the first call starts a serving
    expect(results.get_by_role("row")).to_have_count(2)
    expect(results.get_by_role("cell", name="0", exact=True)).to_have_count(1)
    expect(page.get_by_test_id("latency")).to_contain_text("ms")
    curl = page.get_by_label("curl").input_value()
    assert "/api/v1/workspaces/default/models/iris/versions/1/predict" in curl
    assert '"sepal_length":5.1' in curl
    assert "modelport.Client" in page.get_by_label("Python").input_value()
    check_page(page, "playground")

    # the same model, asked directly by the test: the page showed its real answer
    direct = httpx.post(
        f"{registry.url}/api/v1/workspaces/default/models/iris/versions/1/predict",
        headers={"Authorization": f"Bearer {registry.owner}", "Content-Type": "text/csv"},
        content="sepal_length,sepal_width,petal_length,petal_width\n6.7,3.0,5.2,2.3\n",
        timeout=60,
    )  # fmt: skip
    page.get_by_label("Rows as JSON or CSV").fill(
        "sepal_length,sepal_width,petal_length,petal_width\n6.7,3.0,5.2,2.3\n5.1,3.5,1.4,0.2"
    )
    page.get_by_role("button", name="Predict pasted rows").click()
    expect(results.get_by_role("row")).to_have_count(3)
    assert direct.status_code == 200, direct.text
    assert direct.json()["answer"] == [{"species": 2}]
    expect(results.get_by_role("row").nth(1)).to_contain_text("2")

    page.get_by_label("Rows as JSON or CSV").fill('[{"sepal_length": "wide"}]')
    page.get_by_role("button", name="Predict pasted rows").click()
    expect(page.get_by_role("alert")).to_contain_text("sepal_width")  # the model names fields


def test_serving_shows_the_playgrounds_servings_live(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.viewer)
    page.get_by_role("link", name="Serving").click()
    serving = page.get_by_role("region", name="iris:1 in default")  # the playground's, above
    expect(serving).to_contain_text("ready")
    url = f"{registry.url}/api/v1/workspaces/default/models/iris/versions/1/predict"
    auth = {"Authorization": f"Bearer {registry.viewer}"}
    before = int(serving.get_by_test_id("totals").inner_text().split()[0].split(".")[0])
    for rows in (1, 3, 12):
        answered = httpx.post(url, json=[SETOSA] * rows, headers=auth, timeout=30)
        assert answered.status_code == 200, answered.text
    totals = re.compile(rf"^{before + 3} requests")
    expect(serving.get_by_test_id("totals")).to_have_text(totals, timeout=10_000)
    latency = serving.get_by_role("img", name="Latency")
    expect(latency).to_have_attribute("aria-label", re.compile(r"p50 \d+\.\d+ ms"))
    rows_plot = serving.get_by_role("img", name="Rows per request")
    expect(rows_plot).to_have_attribute("aria-label", re.compile(r"11-50: 1"))
    servings = httpx.get(f"{registry.url}/api/v1/servings", headers=auth, timeout=10).json()
    iris = next(s for s in servings["servings"] if (s["model"], s["version"]) == ("iris", 1))
    if iris["metrics"]["batch_buckets"] is None:  # as the calibration at load found
        expect(serving.get_by_test_id("batching")).to_contain_text("one by one")
    else:
        expect(serving.get_by_role("img", name="Rows per merged batch")).to_be_visible()
    check_page(page, "serving")


def test_serving_shows_a_local_deployment_live(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.viewer)
    page.get_by_role("link", name="Serving").click()
    deployment = page.get_by_role("region", name="iris:1 deployed locally in default")
    expect(deployment.get_by_test_id("state")).to_have_text("running")
    expect(deployment).to_contain_text(f"1 replica, from iris@prod, at {registry.deployment}")
    totals = deployment.get_by_test_id("totals")
    expect(totals).to_be_visible(timeout=10_000)  # its address answered /metrics
    before = int(totals.inner_text().split()[0].split(".")[0])
    predict = f"{registry.deployment}/v1/models/iris/predict"
    for answered, rows in enumerate((1, 3, 12), start=1):  # each seen in a reading of its own
        answer = httpx.post(predict, json=[SETOSA] * rows, timeout=30)
        assert answer.status_code == 200, answer.text
        expect(totals).to_have_text(re.compile(rf"^{before + answered} requests"), timeout=10_000)
    refused = httpx.post(predict, json=[{"sepal_length": "wide"}], timeout=30)
    assert refused.status_code == 422, refused.text
    expect(totals).to_have_text(re.compile(rf"^{before + 4} requests, [1-9]"), timeout=10_000)
    latency = deployment.get_by_role("img", name="Latency")
    expect(latency).to_have_attribute("aria-label", re.compile(r"p50 \d+\.\d+ ms"))
    rows_plot = deployment.get_by_role("img", name="Rows per request")
    expect(rows_plot).to_have_attribute("aria-label", re.compile(r"11-50: 1"))
    auth = {"Authorization": f"Bearer {registry.viewer}"}
    listed = httpx.get(f"{registry.url}/api/v1/workspaces/default/deployments", headers=auth)
    [record] = listed.json()["deployments"]
    assert (record["target"], record["address"], record["version"]) == (
        "local",
        registry.deployment,
        1,
    )
    check_page(page, "serving-deployments")


def test_move_an_alias_with_confirmation_and_see_it_through_the_cli(
    page_for: Any, registry: Registry, tmp_path: Path
) -> None:
    page = page_for(registry.owner)
    page.goto(f"{registry.url}/ui/#/models/default/iris")
    page.get_by_label("Alias", exact=True).fill("prod")
    page.get_by_label("to version").select_option("2")
    page.get_by_role("button", name="Move alias").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Point prod from version 1 to version 2 of iris?")
    check_page(page, "move-alias")
    dialog.get_by_role("button", name="Move prod").click()
    expect(page.get_by_role("region", name="Aliases")).to_contain_text("prod → version 2")
    history = page.get_by_role("region", name="Alias history")
    expect(history.get_by_role("row").nth(1)).to_contain_text("ada")
    expect(history.get_by_role("row").nth(1)).to_contain_text("1 → 2")

    shown = run_cli(
        "--registry", registry.url, "models", "show", "iris", "--json",
        home=tmp_path, env={"MODELPORT_TOKEN": registry.viewer},
    )  # fmt: skip
    assert shown.code == 0, shown.stderr
    assert [(a["name"], a["version"]) for a in shown.json()["aliases"]] == [("prod", 2)]

    # a version an alias points at is not deleted: the server says why
    page.get_by_role("button", name="Delete version 2").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete version 2").click()
    expect(page.get_by_role("alert")).to_contain_text("prod")
    expect(page.get_by_role("link", name="2", exact=True)).to_be_visible()


def test_an_editor_tags_a_model_and_a_version(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.owner)
    page.goto(f"{registry.url}/ui/#/models/default/iris")
    tags = page.get_by_role("region", name="Tags")
    tags.get_by_label("Tag key").fill("stage")
    tags.get_by_label("Value").fill("review")
    tags.get_by_role("button", name="Set tag").click()
    expect(tags).to_contain_text("stage=review")
    shown = httpx.get(
        f"{registry.url}/api/v1/workspaces/default/models/iris",
        headers={"Authorization": f"Bearer {registry.viewer}"},
        timeout=10,
    )
    assert shown.json()["tags"] == {"team": "flowers", "stage": "review"}
    tags.get_by_role("button", name="Remove tag stage").click()
    expect(tags).not_to_contain_text("stage=review")

    page.goto(f"{registry.url}/ui/#/models/default/iris/versions/2")
    version_tags = page.get_by_role("region", name="Tags")
    version_tags.get_by_label("Tag key").fill("checked-by")
    version_tags.get_by_label("Value").fill("ada")
    version_tags.get_by_role("button", name="Set tag").click()
    expect(version_tags).to_contain_text("checked-by=ada")


def test_a_viewer_sees_no_write_controls_and_the_api_refuses_them(
    page_for: Any, registry: Registry
) -> None:
    page = page_for(registry.viewer)
    page.goto(f"{registry.url}/ui/#/models/default/iris")
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    for control in ("Move alias", "Set tag", "Delete version 1", "Remove tag team"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)
    page.goto(f"{registry.url}/ui/#/members/default")
    expect(page.get_by_role("row", name="vic")).to_contain_text("viewer")
    expect(page.get_by_role("button", name="Add member")).to_have_count(0)
    check_page(page, "members-viewer")
    status = page.evaluate(
        """async (token) => (await fetch(
            "/api/v1/workspaces/default/models/iris/aliases/prod",
            {method: "PUT", headers: {"Authorization": `Bearer ${token}`,
             "Content-Type": "application/json"}, body: JSON.stringify({version: 1})})).status""",
        registry.viewer,
    )
    assert status == 403


def test_tokens_are_shown_once_and_revoked(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.owner)
    page.get_by_role("link", name="Tokens").click()
    page.get_by_label("Label").fill("notebook")
    page.get_by_role("button", name="Create token").click()
    made = page.get_by_label("Your new token").input_value()
    assert made.startswith("mpt_")
    who = httpx.get(
        f"{registry.url}/api/v1/whoami", headers={"Authorization": f"Bearer {made}"}, timeout=10
    )
    assert who.json()["user"] == "ada"
    check_page(page, "tokens")
    page.get_by_role("button", name="Revoke token notebook").click()
    expect(page.get_by_role("row", name="notebook")).to_have_count(0)
    revoked = httpx.get(
        f"{registry.url}/api/v1/whoami", headers={"Authorization": f"Bearer {made}"}, timeout=10
    )
    assert revoked.status_code == 401


def test_an_owner_manages_members(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.owner)
    page.goto(f"{registry.url}/ui/#/members/default")
    page.get_by_label("Role of vic").select_option("editor")
    expect(page.get_by_label("Role of vic")).to_have_value("editor")
    page.get_by_label("Role of vic").select_option("viewer")
    expect(page.get_by_label("Role of vic")).to_have_value("viewer")
    check_page(page, "members")


def test_pipelines_show_their_steps_and_validations(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.viewer)
    page.get_by_role("link", name="pipelines of default").click()
    flowers = page.get_by_role("region", name="flowers")
    expect(flowers).to_contain_text("iris, checked")
    expect(flowers.get_by_role("list", name="Steps of flowers")).to_have_text("iris:1")
    expect(flowers.get_by_role("list", name="Validations of flowers")).to_contain_text(
        "known: out.species < 3"
    )
    expect(flowers).to_contain_text("version 2 of 2")
    log = flowers.get_by_role("region", name="Inference log of flowers")
    expect(log.get_by_role("row")).to_have_count(2)  # the header and the one inferred row
    columns = log.get_by_role("columnheader").all_inner_texts()
    assert columns[0] == "time" and "in.sepal_length" in columns and "out.species" in columns
    species = columns.index("out.species")
    expect(log.get_by_role("row").nth(1).get_by_role("cell").nth(species)).to_have_text("0")
    check_page(page, "pipelines")


def test_training_jobs_show_their_status_and_output(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.viewer)
    page.get_by_role("link", name="trainings of default").click()
    expect(page.get_by_role("heading", name="Training jobs in default")).to_be_visible()
    jobs = page.get_by_role("region", name="Training jobs")
    expect(jobs.get_by_role("row")).to_have_count(3)  # the header and the two trainings
    failed, done = jobs.get_by_role("row").nth(1), jobs.get_by_role("row").nth(2)  # newest first
    expect(failed).to_contain_text("error")
    expect(failed).to_contain_text("training failed on purpose")
    expect(done).to_contain_text("done")
    expect(done).to_contain_text('{"trained_seconds":0.1}')
    expect(done).to_contain_text('"seconds":0.1')
    check_page(page, "trainings")
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the training jobs are {width} px wide"


def test_external_registries_show_their_token_masked(page_for: Any, registry: Registry) -> None:
    page = page_for(registry.owner)
    page.get_by_role("link", name="external registries of default").click()
    connection = page.get_by_role("region", name="team-mlflow")
    expect(connection).to_contain_text("http://127.0.0.1:9")
    expect(connection).to_contain_text("****")
    assert MLFLOW_SECRET not in page.content()
    check_page(page, "registries")
    connection.get_by_role("button", name="Show models of team-mlflow").click()
    expect(connection.get_by_role("alert")).to_contain_text("127.0.0.1:9")  # nothing answers


@pytest.mark.parametrize(
    "address",
    ["#/models/default", "#/models/default/iris", "#/models/default/iris/versions/1",
     "#/models/default/iris/compare/1/2", "#/pipelines/default", "#/serving"],
)  # fmt: skip
def test_every_page_fits_a_phone(page_for: Any, registry: Registry, address: str) -> None:
    page = page_for(registry.owner, PHONE)
    page.goto(f"{registry.url}/ui/{address}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{address} is {width} px wide"
    name = "phone-" + address.strip("#/").replace("/", "-").replace("models-default", "models")
    check_page(page, name.rstrip("-"))
