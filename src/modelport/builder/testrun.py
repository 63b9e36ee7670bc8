"""Running a project's tests with pytest inside the model's environment, and reading the result."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelport.builder.scratch import owned_folder
from modelport.errors import BuildFailed
from modelport.tether import run_in_group, tethered

# Both pytest's default names and the `*_test` form model projects use (Qwak's `def add_test()`).
COLLECT_OPTIONS = (
    "-o",
    "python_files=test_*.py *_test.py",
    "-o",
    "python_functions=test* *_test",
    "-p",
    "no:cacheprovider",
)


@dataclass(frozen=True)
class TestFailure:
    test: str
    message: str


@dataclass(frozen=True)
class TestReport:
    """The outcome of one pytest run over a project's test folder."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    folder: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: tuple[TestFailure, ...] = field(default_factory=tuple)
    output: str = ""
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        # pytest exit 5: no tests collected; an empty test folder is not a failure.
        return self.exit_code in (0, 5) and self.failed == 0

    def to_record(self) -> dict[str, Any]:
        """The part that goes into the artifact's build record (no timings: it must be stable)."""
        return {
            "folder": self.folder,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
        }


class TestsFailed(BuildFailed):
    """A project's tests failed or could not run: nothing was registered. ``report`` holds
    pytest's output and exit code."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, message: str, *, report: TestReport, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.report = report


def check_report(report: TestReport, *, kind: str = "unit") -> None:
    """Raise :class:`TestsFailed` unless ``report`` passed; ``kind`` names the tests."""
    if report.ok:
        return
    if not report.failures:
        tail = "\n".join(report.output.strip().splitlines()[-15:])
        raise TestsFailed(f"{kind} tests in {report.folder} could not run:\n{tail}", report=report)
    lines = [f"  {f.test}: {f.message}" for f in report.failures]
    failed = report.failed
    total = report.passed + report.failed
    raise TestsFailed(
        f"{kind} tests failed ({failed} of {total} in {report.folder}):\n" + "\n".join(lines),
        report=report,
        hint="fix the failing tests, then build again",
    )


def run_tests(
    python: Path,
    project: Path,
    folder: str,
    *,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    plugins: tuple[str, ...] = (),
) -> TestReport:
    """Run ``pytest <folder>`` with the project as working directory and import root; ``plugins``
    are loaded first (``-p``)."""
    with owned_folder("modelport-tests-") as scratch:
        junit = scratch / "junit.xml"
        arguments = [
            "-m",
            "pytest",
            folder,
            "-q",
            "--rootdir",
            str(project),
            f"--junitxml={junit}",
            *_isolated_config(project, folder, scratch),
            *COLLECT_OPTIONS,
            *(arg for plugin in plugins for arg in ("-p", plugin)),
            *extra_args,
        ]
        process_env = {**os.environ, **(env or {})}
        process_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(project), process_env.get("PYTHONPATH", "")) if p
        )
        completed = run_in_group(tethered(python, arguments), cwd=project, env=process_env)
        output = completed.stdout + completed.stderr
        if not junit.exists():
            return TestReport(folder=folder, output=output, exit_code=completed.returncode)
        return _read_junit(junit, folder=folder, output=output, exit_code=completed.returncode)


PYTEST_SECTIONS = {
    "pytest.ini": "",
    ".pytest.ini": "",
    "pytest.toml": "",
    ".pytest.toml": "",
    "pyproject.toml": "[tool.pytest",
    "tox.ini": "[pytest]",
    "setup.cfg": "[tool:pytest]",
}
"""pytest's configuration files, and the section that makes each one count ("" for any)."""


def _has_own_config(project: Path, folder: str) -> bool:
    """Whether pytest, looking up from ``folder`` to the project's root, finds a configuration
    inside the project (a file of PYTEST_SECTIONS holding its section)."""
    here = (project / folder).resolve()
    root = project.resolve()
    while here.is_relative_to(root):
        for name, section in PYTEST_SECTIONS.items():
            path = here / name
            if path.is_file() and section in path.read_text(errors="replace"):
                return True
        if here == root:
            break
        here = here.parent
    return False


def _isolated_config(project: Path, folder: str, scratch: Path) -> list[str]:
    """``-c`` an empty configuration when the project has none of its own, so pytest does not
    take one from a folder above it (a repository's, whose options and plugins the model's
    environment need not have)."""
    if _has_own_config(project, folder):
        return []
    empty = scratch / "pytest.ini"
    empty.write_text("[pytest]\n")
    # conftest.py files are looked for from the configuration's folder down: keep the project's
    return ["-c", str(empty), "--confcutdir", str(project)]


def _read_junit(path: Path, *, folder: str, output: str, exit_code: int) -> TestReport:
    root = ET.parse(path).getroot()
    passed = failed = skipped = 0
    failures: list[TestFailure] = []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            failed += 1
            name = "::".join(filter(None, [case.get("classname", ""), case.get("name", "")]))
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            failures.append(TestFailure(test=name, message=message[0] if message else ""))
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return TestReport(
        folder=folder,
        passed=passed,
        failed=failed,
        skipped=skipped,
        failures=tuple(failures),
        output=output,
        exit_code=exit_code,
    )
