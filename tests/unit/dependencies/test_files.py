"""Finding and reading a model project's dependency file."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from modelport.dependencies import DependencyFile, find_dependency_file
from modelport.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def read(tmp_path: Path, name: str, text: str) -> list[str]:
    found = find_dependency_file(write(tmp_path / "main" / name, text).parent.parent)
    assert found is not None
    return found.requirements()


POETRY_HEAD = '[tool.poetry]\nname = "m"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\n'


# --- finding the file ------------------------------------------------------------------------


def test_a_project_without_dependency_file_has_none(tmp_path: Path) -> None:
    write(tmp_path / "main" / "__init__.py", "")
    assert find_dependency_file(tmp_path) is None


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("requirements.txt", "six\n", "requirements"),
        ("pyproject.toml", '[project]\nname = "m"\ndependencies = ["six"]\n', "pep621"),
        ("pyproject.toml", POETRY_HEAD + 'six = "*"\n', "poetry"),
        ("conda.yml", "dependencies:\n  - numpy\n", "conda"),
        ("conda.yaml", "dependencies:\n  - numpy\n", "conda"),
    ],
)
@pytest.mark.parametrize("folder", ["main", "."])
def test_each_kind_is_found_in_main_or_at_the_root(
    tmp_path: Path, name: str, text: str, kind: str, folder: str
) -> None:
    path = write(tmp_path / folder / name, text)
    assert find_dependency_file(tmp_path) == DependencyFile(kind, path)  # type: ignore[arg-type]


def test_a_pyproject_without_dependencies_does_not_count(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "m"\n\n[tool.ruff]\nline-length = 99\n')
    requirements = write(tmp_path / "main" / "requirements.txt", "six\n")
    assert find_dependency_file(tmp_path) == DependencyFile("requirements", requirements)


def test_two_dependency_files_are_refused_naming_both(tmp_path: Path) -> None:
    write(tmp_path / "main" / "requirements.txt", "six\n")
    write(tmp_path / "conda.yml", "dependencies:\n  - numpy\n")
    with pytest.raises(ConfigError) as caught:
        find_dependency_file(tmp_path)
    message = str(caught.value)
    assert "main/requirements.txt" in message
    assert "conda.yml" in message
    assert "Keep exactly one" in message


# --- requirements.txt ------------------------------------------------------------------------


def test_requirements_txt_comments_continuations_and_markers(tmp_path: Path) -> None:
    text = (
        "# a comment\n"
        "\n"
        "numpy>=1.24  # inline comment\n"
        "pandas \\\n"
        "  >=2.0,<3\n"
        'tomli>=2; python_version < "3.11"\n'
        "foo @ https://example.com/foo.tar.gz#egg=foo\n"
    )
    assert read(tmp_path, "requirements.txt", text) == [
        "numpy>=1.24",
        "pandas   >=2.0,<3",
        'tomli>=2; python_version < "3.11"',
        "foo @ https://example.com/foo.tar.gz#egg=foo",
    ]


def test_requirements_txt_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    write(tmp_path / "main" / "reqs" / "base.txt", "six==1.16.0\n-r more/extra.txt\n")
    write(tmp_path / "main" / "reqs" / "more" / "extra.txt", "idna\n-r ../base.txt\n")
    assert read(tmp_path, "requirements.txt", "-r reqs/base.txt\nnumpy\n") == [
        "six==1.16.0",
        "idna",
        "numpy",
    ]


def test_a_missing_include_names_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"requirements\.txt:2: included file nope\.txt"):
        read(tmp_path, "requirements.txt", "six\n-r nope.txt\n")


def test_index_options_are_kept_apart_for_uv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "main" / "requirements.txt",
        "-i https://pypi.example/simple\n"
        "--extra-index-url=https://extra.example/simple\n"
        "--find-links ./wheels\n"
        "--no-binary :all:\n"
        "six\n",
    )
    deps = DependencyFile("requirements", path).read()
    assert deps.requirements == ("six",)
    assert deps.options == (
        "--index-url https://pypi.example/simple",
        "--extra-index-url https://extra.example/simple",
        f"--find-links {tmp_path / 'main' / 'wheels'}",
        "--no-binary :all:",
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("-e ./mylib", "editable requirement"),
        ("--pre", "unsupported pip option '--pre'"),
        ("six==1.16.0 --hash=sha256:abc", "per-requirement options"),
        ("six >= 1 <", "invalid requirement 'six >= 1 <'"),
        ("./local/dir", "invalid requirement './local/dir'"),
    ],
)
def test_bad_requirement_lines_name_the_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, "requirements.txt", f"numpy\n\n{line}\n")
    assert f"requirements.txt:3: {problem}" in str(caught.value)


def test_a_bare_wheel_url_or_path_gets_its_name_from_the_file_name(tmp_path: Path) -> None:
    url = "https://github.com/o/r/raw/main/my_pkg-0.1.0-py3-none-any.whl"
    reqs = read(tmp_path, "requirements.txt", f"{url}\nwheels/other-2.0.tar.gz\n")
    assert reqs == [
        f"my-pkg @ {url}",
        f"other @ {(tmp_path / 'main' / 'wheels' / 'other-2.0.tar.gz').as_uri()}",
    ]


# --- pyproject.toml: PEP 621 -----------------------------------------------------------------


def test_pep621_dependencies_and_python_requirement(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "m"\nrequires-python = ">=3.10"\n'
        'dependencies = ["scikit-learn>=1.3", "numpy; sys_platform == \'linux\'"]\n'
        '[project.optional-dependencies]\ndev = ["pytest"]\n'
    )
    found = find_dependency_file(write(tmp_path / "pyproject.toml", text).parent)
    assert found is not None
    deps = found.read()
    assert deps.requirements == ("scikit-learn>=1.3", "numpy; sys_platform == 'linux'")
    assert deps.python_requirement == ">=3.10"


def test_an_invalid_pep621_dependency_names_file_and_entry(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "m"\ndependencies = ["ok", "bad !!"]\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml \[project\]\.dependencies\[1\]"):
        find_dependency_file(tmp_path).read()  # type: ignore[union-attr]


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "main" / "pyproject.toml", '[project]\nname = "m"\nbad = = 1\n')
    with pytest.raises(ConfigError) as caught:
        find_dependency_file(tmp_path)
    assert "pyproject.toml: invalid TOML" in str(caught.value)
    assert "line 3" in str(caught.value)


# --- pyproject.toml: Poetry ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "specifier"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^1.2", ">=1.2,<2.0"),
        ("^1", ">=1,<2"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0.0", ">=0.0,<0.1"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("~=1.2", "~=1.2"),
        ("*", ""),
        ("1.0.1", "==1.0.1"),
        ("==1.0.1", "==1.0.1"),
        ("1.2.*", "==1.2.*"),
        (">= 1.2, < 2.0", ">=1.2,<2.0"),
        (">=1.2 <2.0 !=1.5", ">=1.2,<2.0,!=1.5"),
    ],
)
def test_poetry_constraints_translate_to_pep440(
    tmp_path: Path, constraint: str, specifier: str
) -> None:
    reqs = read(tmp_path, "pyproject.toml", POETRY_HEAD + f'pkg = "{constraint}"\n')
    assert reqs == [f"pkg{specifier}"]


def test_poetry_tables_sources_and_python(tmp_path: Path) -> None:
    text = POETRY_HEAD + (
        'python = "^3.8"\n'
        'scikit-learn = "1.0.1"\n'
        'requests = {version = "^2.31", extras = ["socks"], markers = "os_name == \'posix\'"}\n'
        'tomli = {version = "~2.0", python = "<3.11"}\n'
        'mylib = {path = "../libs/mylib"}\n'
        'tool = {git = "https://github.com/o/tool.git", tag = "v1.0"}\n'
        'skipped = {version = "*", optional = true}\n'
        "numpy = [\n"
        '  {version = "<2", python = "<3.9"},\n'
        '  {version = "^2", python = ">=3.9"},\n'
        "]\n"
    )
    path = write(tmp_path / "main" / "pyproject.toml", text)
    deps = DependencyFile("poetry", path).read()
    assert deps.python_requirement == ">=3.8,<4.0"
    assert deps.requirements == (
        "scikit-learn==1.0.1",
        "requests[socks]>=2.31,<3.0; (os_name == 'posix')",
        'tomli>=2.0,<2.1; python_full_version < "3.11"',
        f"mylib @ {(tmp_path / 'libs' / 'mylib').as_uri()}",
        "tool @ git+https://github.com/o/tool.git@v1.0",
        'numpy<2; python_full_version < "3.9"',
        'numpy>=2,<3; python_full_version >= "3.9"',
    )
    for line in deps.requirements:
        Requirement(line)  # every translation is valid PEP 508


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('pkg = "^1.0 || ^2.0"', "cannot translate the Poetry constraint"),
        ('pkg = "^banana"', "invalid version"),
        ('pkg = {version = "1", source = "private"}', "package source 'private'"),
    ],
)
def test_untranslatable_poetry_entries_name_file_and_key(
    tmp_path: Path, entry: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, "pyproject.toml", POETRY_HEAD + entry + "\n")
    assert "pyproject.toml [tool.poetry.dependencies].pkg" in str(caught.value)
    assert problem in str(caught.value)


# --- conda.yml -------------------------------------------------------------------------------


def test_conda_known_packages_translate_and_pip_section_is_used(tmp_path: Path) -> None:
    text = (
        "name: iris\n"
        "channels: [defaults, conda-forge]\n"
        "dependencies:\n"
        "  - python=3.8\n"
        "  - pip=20.0.3\n"
        "  - scikit-learn=1.0.1\n"
        "  - conda-forge::numpy=1.24=py311_0\n"
        "  - pandas>=2.0,<3\n"
        "  - pytorch\n"
        "  - pip:\n"
        "      - six==1.16.0\n"
        "      - --extra-index-url https://extra.example/simple\n"
    )
    path = write(tmp_path / "main" / "conda.yml", text)
    deps = DependencyFile("conda", path).read()
    assert deps.requirements == (
        "scikit-learn==1.0.1",
        "numpy==1.24.*",
        "pandas>=2.0,<3",
        "torch",
        "six==1.16.0",
    )
    assert deps.options == ("--extra-index-url https://extra.example/simple",)
    assert deps.python_requirement == "==3.8.*"
    assert SpecifierSet("==1.24.*").contains("1.24.4")


def test_conda_only_packages_are_named_in_one_error(tmp_path: Path) -> None:
    text = "dependencies:\n  - numpy\n  - cudatoolkit=11.8\n  - mkl\n  - libgcc-ng>=12\n"
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, "conda.yaml", text)
    message = str(caught.value)
    assert "conda.yaml" in message
    assert "cudatoolkit=11.8, mkl, libgcc-ng>=12" in message
    assert "pip:" in message


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"conda\.yml:3: invalid YAML"):
        read(tmp_path, "conda.yml", "dependencies:\n  - numpy\n  - a: b: c\n")


def test_a_bad_pip_entry_in_conda_names_the_file_and_entry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"conda\.yml pip: 'six=='"):
        read(tmp_path, "conda.yml", "dependencies:\n  - pip:\n    - six==\n")
