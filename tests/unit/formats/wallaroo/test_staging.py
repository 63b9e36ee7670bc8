"""Laying out an upload for the build: a folder per file, a safe extraction per zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from modelport.errors import ArtifactError
from modelport.formats.wallaroo.staging import copied_folder, staged_kind, unpacked_folder


def test_files_with_the_same_bytes_but_other_names_get_folders_of_their_own(
    tmp_path: Path,
) -> None:
    (tmp_path / "first.py").write_text("X = 1\n")
    (tmp_path / "second.py").write_text("X = 1\n")
    first, second = copied_folder(tmp_path / "first.py"), copied_folder(tmp_path / "second.py")
    assert [p.name for p in first.iterdir()] == ["first.py"]
    assert [p.name for p in second.iterdir()] == ["second.py"]
    assert staged_kind(first) == staged_kind(second) == "file"
    assert staged_kind(tmp_path) is None


def test_a_zip_is_extracted_once_to_its_top_folder(tmp_path: Path) -> None:
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("model/main.py", "X = 1\n")
        zipped.writestr("model/data/weights.bin", b"\1\2")
    folder = unpacked_folder(archive)
    assert folder.name == "model"
    assert (folder / "data" / "weights.bin").read_bytes() == b"\1\2"
    assert unpacked_folder(archive) == folder
    assert staged_kind(folder) == "zip"


@pytest.mark.parametrize("member", ["/etc/model.py", "model/../../model.py", "..\\model.py"])
def test_a_member_leaving_the_folder_is_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("model/main.py", "X = 1\n")
        zipped.writestr(member, "X = 2\n")
    with pytest.raises(ArtifactError) as caught:
        unpacked_folder(archive)
    assert caught.value.field == member
