"""Reading OMAF archives: checked whole before anything is written, unpacked once per digest."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from modelport.errors import ArtifactError
from modelport.formats.odahu.archive import archive_names, holds_manifest, is_archive, unpack

MANIFEST = "odahuflow.model.yaml"


def _zip(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return path


def _tar(path: Path, entries: dict[str, str], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in entries.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return path


def test_zip_unpacks_once_per_content(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {MANIFEST: "model: {}\n", "model/entry.py": "x = 1\n"})
    assert is_archive(archive) and holds_manifest(archive_names(archive))
    root = unpack(archive, tmp_path / "cache", max_bytes=10_000)
    assert (root / "model" / "entry.py").read_text() == "x = 1\n"
    (root / "marker").write_text("kept")
    assert unpack(archive, tmp_path / "cache", max_bytes=10_000) == root
    assert (root / "marker").exists()


def test_tgz_with_dot_prefixed_names(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tgz", {f"./{MANIFEST}": "model: {}\n", "./model/e.py": "y\n"})
    assert holds_manifest(archive_names(archive))
    root = unpack(archive, tmp_path / "cache", max_bytes=10_000)
    assert (root / MANIFEST).is_file() and (root / "model" / "e.py").read_text() == "y\n"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../evil.py", "contains a '..' component"),
        ("model/../../evil.py", "contains a '..' component"),
        ("/etc/evil.py", "is an absolute path"),
    ],
)
@pytest.mark.parametrize("kind", ["zip", "tgz"])
def test_paths_outside_are_refused_before_writing(
    tmp_path: Path, name: str, problem: str, kind: str
) -> None:
    entries = {MANIFEST: "model: {}\n", "model/entry.py": "x\n", name: "boom\n"}
    make = _zip if kind == "zip" else _tar
    archive = make(tmp_path / f"bad.{kind}", entries)
    cache = tmp_path / "cache"
    with pytest.raises(ArtifactError, match=problem) as caught:
        unpack(archive, cache, max_bytes=10_000)
    assert caught.value.field == name
    assert not any(path.is_file() for path in cache.rglob("*"))
    assert not (tmp_path / "evil.py").exists()


def test_tar_links_are_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tgz", {MANIFEST: "x\n"}, links={"model/passwd": "/etc/passwd"})
    with pytest.raises(ArtifactError, match="is a link or a device"):
        unpack(archive, tmp_path / "cache", max_bytes=10_000)


def test_size_limit(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "big.zip", {MANIFEST: "x" * 5000})
    with pytest.raises(ArtifactError, match="over the limit of 1,000"):
        unpack(archive, tmp_path / "cache", max_bytes=1000)


def test_a_single_top_folder_holding_the_manifest_counts(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "wrapped.zip", {f"wine/{MANIFEST}": "model: {}\n"})
    assert holds_manifest(archive_names(archive))
    other = _zip(tmp_path / "other.zip", {"deep/er/odahuflow.model.yaml": "x"})
    assert not holds_manifest(archive_names(other))


def test_unreadable_files_have_no_names(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not an archive")
    assert archive_names(junk) == []
