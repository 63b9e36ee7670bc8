"""The public surface of ``modelport`` is exactly what users are promised."""

import modelport


def test_public_names_are_pinned() -> None:
    assert sorted(modelport.__all__) == [
        "ArtifactError",
        "BuildFailed",
        "Client",
        "ConfigError",
        "Conflict",
        "Field",
        "InvalidInput",
        "Model",
        "ModelFailed",
        "ModelportError",
        "NotFound",
        "Signature",
        "Unauthorised",
        "__version__",
    ]
    for name in modelport.__all__:
        assert hasattr(modelport, name), name


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert modelport.__version__ == version("modelport")
