"""Unpacking an uploaded zip: its members are checked before anything is written, and a zip that
declares more bytes than the bound (a few megabytes inflating to gigabytes) is refused."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from modelport.artifact.uploads import extract_upload
from modelport.errors import ArtifactError


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_sound_zip_is_extracted(tmp_path: Path) -> None:
    upload = _zip(tmp_path / "model.zip", {"model/MLmodel": b"flavors: {}", "model/a.bin": b"x"})
    extract_upload(upload, tmp_path / "out", max_bytes=1024)
    assert (tmp_path / "out" / "model" / "MLmodel").read_bytes() == b"flavors: {}"


def test_a_zip_inflating_past_the_bound_is_refused_before_writing(tmp_path: Path) -> None:
    upload = _zip(tmp_path / "bomb.zip", {"model/zeros": bytes(4 * 1024 * 1024)})
    assert upload.stat().st_size < 64 * 1024  # a few kilobytes...
    with pytest.raises(ArtifactError, match="unpacks to 4,194,304 bytes, over the limit"):
        extract_upload(upload, tmp_path / "out", max_bytes=1024 * 1024)  # ...declaring 4 MiB
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../escape.py", "/etc/passwd", "model/../../up.txt"])
def test_a_path_leaving_the_folder_is_refused_by_name(tmp_path: Path, name: str) -> None:
    upload = _zip(tmp_path / "evil.zip", {name: b"x"})
    with pytest.raises(ArtifactError, match="a path outside the model folder") as caught:
        extract_upload(upload, tmp_path / "out", max_bytes=1024)
    assert caught.value.field == name
    assert not (tmp_path / "out").exists()


def test_a_link_is_refused(tmp_path: Path) -> None:
    upload = tmp_path / "link.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        info = zipfile.ZipInfo("model/weights")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/shadow")
    with pytest.raises(ArtifactError, match="a symbolic link"):
        extract_upload(upload, tmp_path / "out", max_bytes=1024)


def test_a_file_that_is_no_zip_is_named(tmp_path: Path) -> None:
    upload = tmp_path / "model.zip"
    upload.write_text("not a zip")
    with pytest.raises(ArtifactError, match=r"model\.zip is not a zip file"):
        extract_upload(upload, tmp_path / "out", max_bytes=1024)
