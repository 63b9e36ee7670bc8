"""The artifact zip: deterministic writing, hostile-zip refusal, verified extraction."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from modelport.artifact.digests import file_digest
from modelport.artifact.manifest import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    FileRecord,
    Manifest,
    arcname_problem,
)
from modelport.artifact.reader import open_artifact
from modelport.artifact.sources import collect_files, source_digest
from modelport.artifact.writer import ArtifactInfo, write_artifact
from modelport.errors import ArtifactError, ConfigError, Conflict, NotFound

FILES: dict[str, bytes] = {
    "src/main/model.py": b"class IrisClassifier:\n    pass\n",
    "src/tests/ut/test_x.py": b"def test_x():\n    assert True\n",
    "model/instance.pkl": bytes(range(256)) * 40,
    "requirements.lock": b"numpy==1.26.4\nscikit-learn==1.4.2\n",
}


_BASE = Manifest(
    name="iris",
    version="0.1.0",
    source_format="native",
    entry_point="main:IrisClassifier",
    signature={"inputs": [{"name": "sepal_length", "type": "float64"}]},
    metadata={"description": "Iris", "tags": ["demo"]},
    python_version="3.11",
    lock=["numpy==1.26.4", "scikit-learn==1.4.2"],
    build={"source_digest": "sha256:" + "0" * 64, "modelport_version": "0.1.0"},
)


def _manifest(**changes: Any) -> Manifest:
    return dataclasses.replace(_BASE, **changes)


def _write(dest: Path, files: dict[str, Path | bytes] | None = None) -> ArtifactInfo:
    return write_artifact(dest, manifest=_manifest(), files=dict(FILES) if files is None else files)


def _record(data: bytes) -> FileRecord:
    return FileRecord(sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _craft(
    path: Path,
    entries: Sequence[tuple[str | zipfile.ZipInfo, bytes]],
    *,
    listed: dict[str, bytes] | None = None,
    manifest: str | None = None,
) -> Path:
    """Write a zip with the zipfile module directly; the manifest lists ``listed``
    (default: the entries), so each test's zip has exactly one defect."""
    if listed is None:
        listed = {(e.filename if isinstance(e, zipfile.ZipInfo) else e): d for e, d in entries}
    if manifest is None:
        records = {name: _record(data) for name, data in listed.items()}
        manifest = _manifest(files=records).to_yaml()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry, data in entries:
            archive.writestr(entry, data)
        archive.writestr(MANIFEST_NAME, manifest)
    return path


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- manifest -----------------------------------------------------------------------------


def test_manifest_round_trips_through_yaml_with_sorted_keys() -> None:
    manifest = _manifest(files={"a.txt": _record(b"a")})
    text = manifest.to_yaml()
    assert Manifest.from_yaml(text) == manifest
    assert Manifest.from_dict(manifest.to_dict()) == manifest
    loaded = yaml.safe_load(text)
    assert list(loaded) == sorted(loaded) and "format_version" in loaded
    assert list(loaded["signature"]["inputs"][0]) == ["name", "type"]
    assert manifest.format_version == FORMAT_VERSION == 1


def test_manifest_refuses_unsafe_yaml_tags() -> None:
    text = _manifest().to_yaml() + "evil: !!python/object/apply:os.system ['true']\n"
    with pytest.raises(ArtifactError, match="not valid YAML"):
        Manifest.from_yaml(text)


def test_manifest_with_unknown_format_version_says_to_upgrade() -> None:
    data = _manifest().to_dict() | {"format_version": 2}
    with pytest.raises(ArtifactError) as caught:
        Manifest.from_dict(data)
    message = str(caught.value)
    assert "format_version 2" in message and "reads format_version 1" in message
    assert "Upgrade modelport" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [("name", ""), ("version", 1), ("signature", []), ("lock", [1]), ("python_version", "py3")],
)
def test_manifest_field_of_wrong_type_is_named(key: str, value: object) -> None:
    with pytest.raises(ArtifactError) as caught:
        Manifest.from_dict(_manifest().to_dict() | {key: value})
    assert caught.value.field == key
    assert repr(key) in str(caught.value)


def test_manifest_refuses_unknown_fields_and_bad_file_records() -> None:
    with pytest.raises(ArtifactError, match=r"'surprise'"):
        Manifest.from_dict(_manifest().to_dict() | {"surprise": 1})
    bad = _manifest().to_dict() | {"files": {"a.txt": {"sha256": "xyz", "size": 1}}}
    with pytest.raises(ArtifactError, match=r"files\.a\.txt"):
        Manifest.from_dict(bad)


def test_manifest_value_yaml_cannot_store_is_an_artifact_error() -> None:
    with pytest.raises(ArtifactError, match="YAML cannot store"):
        _manifest(metadata={"thing": object()}).to_yaml()


# --- writing ------------------------------------------------------------------------------


def test_written_artifact_has_manifest_and_files_in_a_fixed_layout(tmp_path: Path) -> None:
    info = _write(tmp_path / "iris.zip")
    with zipfile.ZipFile(info.path) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        manifest = Manifest.from_yaml(archive.read(MANIFEST_NAME))
    assert names == [*sorted(FILES), MANIFEST_NAME]
    for entry in infos:
        assert entry.date_time == (1980, 1, 1, 0, 0, 0)
        assert entry.external_attr >> 16 == stat.S_IFREG | 0o644
        assert entry.compress_type == zipfile.ZIP_DEFLATED
    assert manifest == info.manifest
    assert manifest.files == {name: _record(data) for name, data in FILES.items()}
    assert manifest.name == "iris" and manifest.version == "0.1.0"
    data = info.path.read_bytes()
    assert info.digest == "sha256:" + hashlib.sha256(data).hexdigest() == file_digest(info.path)
    assert info.size == len(data)
    assert _only(tmp_path) == ["iris.zip"]


def test_same_inputs_give_same_bytes_whatever_the_order_and_mtimes(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    paths: dict[str, Path | bytes] = {}
    for name, data in FILES.items():
        path = sources / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[name] = path
    first = _write(tmp_path / "a.zip", paths)
    for source in paths.values():
        assert isinstance(source, Path)
        os.utime(source, (1_000_000_000, 1_000_000_000))
    reordered: dict[str, Path | bytes] = dict(reversed(list(paths.items())))
    reordered["requirements.lock"] = FILES["requirements.lock"]  # bytes instead of a path
    second = _write(tmp_path / "b.zip", reordered)
    assert first.digest == second.digest
    assert first.path.read_bytes() == second.path.read_bytes()

    changed = dict(FILES)
    changed["model/instance.pkl"] = b"\x01" + FILES["model/instance.pkl"][1:]
    assert _write(tmp_path / "c.zip", dict(changed)).digest != first.digest


def test_failed_write_leaves_nothing_and_keeps_the_old_artifact(tmp_path: Path) -> None:
    dest = tmp_path / "iris.zip"
    old = _write(dest)
    files: dict[str, Path | bytes] = {"a.txt": b"a", "z/missing.bin": tmp_path / "nope.bin"}
    with pytest.raises(ArtifactError, match=r"'z/missing.bin'"):
        write_artifact(dest, manifest=_manifest(), files=files)
    assert _only(tmp_path) == ["iris.zip"]
    assert file_digest(dest) == old.digest


def test_a_manifest_that_would_not_read_back_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="python_version"):
        write_artifact(tmp_path / "x.zip", manifest=_manifest(python_version="py3"), files={})
    assert _only(tmp_path) == []


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../x", "a/../b", "a\\b", "C:/x", "a//b", "./a", "", MANIFEST_NAME]
)
def test_unsafe_names_are_refused_on_write(tmp_path: Path, name: str) -> None:
    with pytest.raises(ArtifactError) as caught:
        write_artifact(tmp_path / "x.zip", manifest=_manifest(), files={name: b"data"})
    assert caught.value.field == name and repr(name) in str(caught.value)
    assert _only(tmp_path) == []


@pytest.mark.parametrize(("first", "second"), [("Model.pkl", "model.pkl"), ("a", "a/b.txt")])
def test_names_that_collide_on_disk_are_refused_on_write(
    tmp_path: Path, first: str, second: str
) -> None:
    with pytest.raises(ArtifactError, match="Rename one"):
        write_artifact(tmp_path / "x.zip", manifest=_manifest(), files={first: b"1", second: b"2"})
    assert _only(tmp_path) == []


# --- sources ------------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_source_digest_changes_exactly_when_names_or_bytes_change(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p", {"main/model.py": b"x = 1\n", "main/util.py": b"y = 2\n"})
    names = ["main/util.py", "main/model.py"]
    digest = source_digest(root, names)
    assert digest.startswith("sha256:")
    assert source_digest(root, reversed(names)) == digest
    os.utime(root / "main/util.py", (1, 1))
    assert source_digest(root, names) == digest
    (root / "main/util.py").write_bytes(b"y = 3\n")
    assert source_digest(root, names) != digest
    (root / "main/util.py").rename(root / "main/helpers.py")
    (root / "main/helpers.py").write_bytes(b"y = 2\n")
    assert source_digest(root, ["main/helpers.py", "main/model.py"]) != digest


def test_collect_files_skips_excluded_names_and_follows_inside_links(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "p",
        {
            "main/model.py": b"m",
            "main/__pycache__/model.cpython-311.pyc": b"c",
            "main/stale.pyc": b"c",
            ".git/HEAD": b"ref",
            ".venv/bin/python": b"py",
            "pkg.egg-info/PKG-INFO": b"i",
            ".pytest_cache/v": b"v",
            "tests/ut/test_x.py": b"t",
        },
    )
    (root / "main/alias.py").symlink_to(root / "main/model.py")
    found = collect_files(root)
    assert sorted(found) == ["main/alias.py", "main/model.py", "tests/ut/test_x.py"]
    assert found["main/alias.py"].read_bytes() == b"m"
    assert sorted(collect_files(root / "main", base=root)) == ["main/alias.py", "main/model.py"]
    assert sorted(collect_files(root / "main")) == ["alias.py", "model.py"]


def test_collect_files_refuses_links_leaving_the_tree_broken_or_looping(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p", {"main/model.py": b"m"})
    secret = _tree(tmp_path / "outside", {"secret.txt": b"s"}) / "secret.txt"
    (root / "main/leak.txt").symlink_to(secret)
    with pytest.raises(ConfigError, match="outside the project") as caught:
        collect_files(root)
    assert caught.value.field == "main/leak.txt"
    with pytest.raises(ConfigError, match="outside the project"):
        source_digest(root, ["main/leak.txt"])
    (root / "main/leak.txt").unlink()
    (root / "main/broken.txt").symlink_to(root / "nowhere")
    with pytest.raises(ConfigError, match="broken"):
        collect_files(root)
    (root / "main/broken.txt").unlink()
    (root / "main/again").symlink_to(root)
    with pytest.raises(ConfigError, match="loops back") as caught:
        collect_files(root)
    assert caught.value.field is not None and caught.value.field.startswith("main/again")


# --- reading ------------------------------------------------------------------------------


def test_open_read_verify_and_extract_a_good_artifact(tmp_path: Path) -> None:
    info = _write(tmp_path / "iris.zip")
    artifact = open_artifact(info.path)
    assert artifact.manifest == info.manifest and artifact.digest == info.digest
    assert open_artifact(info.path, expected_digest=info.digest).digest == info.digest
    assert artifact.read_bytes("model/instance.pkl") == FILES["model/instance.pkl"]
    artifact.verify()
    out = artifact.extract(tmp_path / "out")
    assert out == tmp_path / "out"
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert Manifest.from_yaml(got.pop(MANIFEST_NAME)) == info.manifest
    assert got == FILES
    with pytest.raises(NotFound, match=r"'nope.txt'"):
        artifact.read_bytes("nope.txt")


def test_extract_into_an_empty_folder_works_and_a_full_one_is_refused(tmp_path: Path) -> None:
    artifact = open_artifact(_write(tmp_path / "iris.zip").path)
    (tmp_path / "empty").mkdir()
    assert (artifact.extract(tmp_path / "empty") / "requirements.lock").exists()
    full = _tree(tmp_path / "full", {"keep.txt": b"mine"})
    with pytest.raises(Conflict):
        artifact.extract(full)
    assert _only(full) == ["keep.txt"]
    assert sorted(_only(tmp_path)) == ["empty", "full", "iris.zip"]


def _refused(path: Path, *, max_bytes: int | None = None) -> ArtifactError:
    """Open ``path``, expecting an ArtifactError; check that nothing was written beside it."""
    before = _only(path.parent)
    with pytest.raises(ArtifactError) as caught:
        open_artifact(path, max_bytes=max_bytes)
    assert str(path) in str(caught.value)
    assert _only(path.parent) == before
    return caught.value


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("/etc/cron.d/evil", "absolute"),
        ("../evil.py", "'..'"),
        ("src/../../evil.py", "'..'"),
        ("src\\evil.py", "backslash"),
        ("C:/evil.py", "drive letter"),
    ],
)
def test_entries_with_unsafe_names_are_refused(tmp_path: Path, name: str, problem: str) -> None:
    error = _refused(_craft(tmp_path / "bad.zip", [("ok.txt", b"ok"), (name, b"evil")]))
    assert error.field == name and repr(name) in str(error) and problem in str(error)


def test_symlink_entry_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("src/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    error = _refused(_craft(tmp_path / "bad.zip", [(link, b"/etc/passwd")]))
    assert "'src/link' is a symlink" in str(error)


def test_duplicate_entries_are_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = _craft(tmp_path / "bad.zip", [("a.txt", b"first"), ("a.txt", b"other")])
    error = _refused(path)
    assert "'a.txt'" in str(error) and "more than once" in str(error)


def test_unlisted_and_missing_entries_are_refused(tmp_path: Path) -> None:
    extra = _craft(
        tmp_path / "extra.zip", [("a.txt", b"a"), ("evil.py", b"x")], listed={"a.txt": b"a"}
    )
    assert "'evil.py'" in str(_refused(extra)) and "not listed" in str(_refused(extra))
    missing = _craft(tmp_path / "missing.zip", [], listed={"model/w.bin": b"w"})
    error = _refused(missing)
    assert "'model/w.bin'" in str(error) and "missing" in str(error)


def test_missing_manifest_garbage_and_absent_files_are_refused(tmp_path: Path) -> None:
    no_manifest = tmp_path / "plain.zip"
    with zipfile.ZipFile(no_manifest, "w") as archive:
        archive.writestr("a.txt", b"a")
    assert repr(MANIFEST_NAME) in str(_refused(no_manifest))
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(os.urandom(4096))
    assert "not a readable zip" in str(_refused(garbage))
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    assert "not a readable zip" in str(_refused(empty))
    with pytest.raises(ArtifactError, match="cannot read artifact"):
        open_artifact(tmp_path / "absent.zip")


def test_unknown_manifest_version_in_an_artifact_says_to_upgrade(tmp_path: Path) -> None:
    data = _manifest(files={"a.txt": _record(b"a")}).to_dict() | {"format_version": 9}
    path = _craft(tmp_path / "future.zip", [("a.txt", b"a")], manifest=yaml.safe_dump(data))
    error = _refused(path)
    assert "format_version 9" in str(error) and "Upgrade modelport" in str(error)


def test_total_declared_size_over_the_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "iris.zip").path
    error = _refused(path, max_bytes=1000)
    assert "'model/instance.pkl'" in str(error) and "MODELPORT_MAX_ARTIFACT_BYTES" in str(error)
    monkeypatch.setenv("MODELPORT_MAX_ARTIFACT_BYTES", "1000")
    _refused(path)
    monkeypatch.setenv("MODELPORT_MAX_ARTIFACT_BYTES", str(10**6))
    assert open_artifact(path).manifest.name == "iris"


def _lie_about_size(path: Path, name: str, size: int, crc: int | None = None) -> None:
    """Rewrite the uncompressed size (and CRC) of ``name`` in its local and central headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(name).header_offset
    struct.pack_into("<I", data, offset + 22, size)
    if crc is not None:
        struct.pack_into("<I", data, offset + 14, crc)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + length] == name.encode():
            struct.pack_into("<I", data, central + 24, size)
            if crc is not None:
                struct.pack_into("<I", data, central + 16, crc)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_entry_declared_small_that_unpacks_huge_is_refused_while_reading(tmp_path: Path) -> None:
    bomb = b"\0" * (8 * 1024**2)
    path = _craft(tmp_path / "bomb.zip", [("model/w.bin", bomb)], listed={"model/w.bin": bomb[:10]})
    _lie_about_size(path, "model/w.bin", 10)
    artifact = open_artifact(path, max_bytes=1000)  # the directory looks harmless
    for attempt in (artifact.verify, lambda: artifact.read_bytes("model/w.bin")):
        with pytest.raises(ArtifactError, match=r"'model/w.bin'"):
            attempt()
    with pytest.raises(ArtifactError, match=r"'model/w.bin'"):
        artifact.extract(tmp_path / "out")
    assert _only(tmp_path) == ["bomb.zip"]


def test_lying_header_never_yields_more_than_the_declared_bytes(tmp_path: Path) -> None:
    # Size and CRC both forged to describe the first 10 bytes of a huge stream: reading stops
    # at 10 real bytes, so the declared total really bounds what lands on disk.
    bomb = b"\0" * (8 * 1024**2)
    path = _craft(tmp_path / "bomb.zip", [("model/w.bin", bomb)], listed={"model/w.bin": bomb[:10]})
    _lie_about_size(path, "model/w.bin", 10, crc=zlib.crc32(bomb[:10]))
    artifact = open_artifact(path, max_bytes=1000)
    assert artifact.read_bytes("model/w.bin") == bomb[:10]
    out = artifact.extract(tmp_path / "out")
    assert (out / "model/w.bin").stat().st_size == 10


def test_checksum_mismatch_is_caught_before_anything_lands(tmp_path: Path) -> None:
    entries = [("a.txt", b"fine"), ("model/w.bin", b"tampered!")]
    path = _craft(
        tmp_path / "t.zip", entries, listed={"a.txt": b"fine", "model/w.bin": b"original!"}
    )
    artifact = open_artifact(path)
    assert artifact.read_bytes("a.txt") == b"fine"
    with pytest.raises(ArtifactError, match=r"'model/w.bin'.*sha256"):
        artifact.verify()
    with pytest.raises(ArtifactError, match=r"'model/w.bin'.*sha256"):
        artifact.read_bytes("model/w.bin")
    with pytest.raises(ArtifactError, match=r"'model/w.bin'.*sha256"):
        artifact.extract(tmp_path / "out")
    assert _only(tmp_path) == ["t.zip"]


def test_tampered_manifest_is_caught(tmp_path: Path) -> None:
    good = _write(tmp_path / "iris.zip")
    # A consistent forgery (new weights, manifest updated to match) only the digest reveals.
    forged_files = dict(FILES) | {"model/instance.pkl": b"evil" * 2560}
    records = {name: _record(data) for name, data in forged_files.items()}
    forged = _craft(
        tmp_path / "forged.zip",
        list(forged_files.items()),
        manifest=_manifest(files=records).to_yaml(),
    )
    open_artifact(forged).verify()
    with pytest.raises(ArtifactError, match="expected sha256:"):
        open_artifact(forged, expected_digest=good.digest)
    # A manifest edited to declare other sizes is refused on open, naming the entry.
    records["model/instance.pkl"] = FileRecord(sha256="0" * 64, size=3)
    lying = _craft(
        tmp_path / "lying.zip",
        list(forged_files.items()),
        manifest=_manifest(files=records).to_yaml(),
    )
    assert "'model/instance.pkl'" in str(_refused(lying))
    broken = _craft(tmp_path / "broken.zip", [], manifest="name: [unclosed\n")
    assert "not valid YAML" in str(_refused(broken))


# --- properties ---------------------------------------------------------------------------

_PART = st.text(alphabet="abcXYZ019_-.é", min_size=1, max_size=6).filter(
    lambda part: part not in (".", "..")
)
_NAME = st.lists(_PART, min_size=1, max_size=3).map("/".join)


def _collides(names: list[str]) -> bool:
    folded = {name.casefold() for name in names} | {MANIFEST_NAME}
    if len(folded) != len(names) + 1:
        return True
    folders = {
        "/".join(n.split("/")[:end]).casefold() for n in names for end in range(1, n.count("/") + 1)
    }
    return bool(folders & folded)


@settings(max_examples=40, deadline=None)
@given(files=st.dictionaries(_NAME, st.binary(max_size=3000), max_size=8))
def test_random_file_sets_round_trip_and_digest_ignores_order(files: dict[str, bytes]) -> None:
    assume(all(arcname_problem(name) is None for name in files))
    assume(not _collides(list(files)))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        info = write_artifact(root / "a.zip", manifest=_manifest(), files=dict(files))
        again = dict(reversed(list(files.items())))
        assert (
            write_artifact(root / "b.zip", manifest=_manifest(), files=again).digest == info.digest
        )
        artifact = open_artifact(info.path)
        for name, data in files.items():
            assert artifact.read_bytes(name) == data
        out = artifact.extract(root / "out")
        for name, data in files.items():
            assert (out / name).read_bytes() == data
        assert sum(1 for p in out.rglob("*") if p.is_file()) == len(files) + 1
