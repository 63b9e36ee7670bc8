"""An artifact from elsewhere is untrusted: YAML alias bombs, malformed manifests and honest zip
bombs are refused with one line naming the file, before anything is unpacked."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import yaml

from modelport.artifact import manifest_yaml
from modelport.artifact.manifest import MANIFEST_NAME, MAX_MANIFEST_BYTES, FileRecord, Manifest
from modelport.artifact.reader import open_artifact
from modelport.errors import ArtifactError
from modelport.settings import Settings

_MANIFEST = Manifest(name="iris", version="0.1.0", source_format="native", entry_point="m:M")


_LOADERS = [getattr(yaml, "CSafeLoader", None), manifest_yaml._PureLoader]


@pytest.fixture(params=_LOADERS, ids=["libyaml", "pure-python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test below runs with libyaml's loader and with PyYAML's own."""
    if request.param is None:
        pytest.skip("this PyYAML has no libyaml")
    monkeypatch.setattr(manifest_yaml, "_LOADER", request.param)


def _alias_bomb(levels: int = 9) -> str:
    """A manifest whose metadata is the "billion laughs": a few hundred bytes naming 9**9
    strings."""
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"  a{level}: &a{level} [{refs}]")
    head = _MANIFEST.to_yaml().replace("metadata: {}\n", "")
    return head + "metadata:\n" + "\n".join(lines) + "\n"


@pytest.mark.usefixtures("loader")
def test_a_yaml_alias_bomb_is_refused_naming_the_file() -> None:
    text = _alias_bomb()
    assert len(text) < 2000
    with pytest.raises(ArtifactError) as caught:
        Manifest.from_yaml(text, source="bomb.zip: modelport.yaml")
    message = str(caught.value)
    assert message.startswith("bomb.zip: modelport.yaml is not valid YAML: an anchor")
    assert "\n" not in message and caught.value.field == MANIFEST_NAME


@pytest.mark.usefixtures("loader")
def test_an_anchor_alone_is_refused_too() -> None:
    text = _MANIFEST.to_yaml().replace("metadata: {}", "metadata: &m {}")
    anchor = r"an anchor \(&m or \*m\) at line \d+, column \d+; manifests hold neither"
    with pytest.raises(ArtifactError, match=anchor):
        Manifest.from_yaml(text)


@pytest.mark.usefixtures("loader")
def test_nesting_a_million_deep_is_a_clear_error_not_a_crash() -> None:
    text = "metadata: " + "[" * 10**6 + "]" * 10**6 + "\n"
    with pytest.raises(ArtifactError, match=r"^deep\.yaml is not valid YAML: .*nest") as caught:
        Manifest.from_yaml(text, source="deep.yaml")
    assert "\n" not in str(caught.value)


@pytest.mark.usefixtures("loader")
def test_malformed_yaml_is_one_line_naming_the_file_and_the_place() -> None:
    with pytest.raises(ArtifactError) as caught:
        Manifest.from_yaml("name: iris\nfiles: [unclosed\n", source="x.zip: modelport.yaml")
    message = str(caught.value)
    assert message.startswith("x.zip: modelport.yaml is not valid YAML: ")
    assert "line 3" in message and "\n" not in message


def test_a_manifest_over_the_bound_is_refused_before_parsing() -> None:
    text = "name: " + "x" * MAX_MANIFEST_BYTES
    with pytest.raises(ArtifactError, match=r"m\.yaml holds \d+ bytes, over the \d+"):
        Manifest.from_yaml(text, source="m.yaml")


def test_what_modelport_writes_still_reads() -> None:
    manifest = Manifest(
        name="iris",
        version="1",
        source_format="native",
        entry_point="m:M",
        metadata={"tags": ["a"], "same": ["a"]},  # equal values, written without aliases
        files={"a.txt": FileRecord(sha256="0" * 64, size=1)},
    )
    assert Manifest.from_yaml(manifest.to_yaml()) == manifest


# --- zip bombs ----------------------------------------------------------------------------

_MIB = 1024**2
_BOMB_BYTES = 3 * 1024**3


def _crc32_of_zeros(length: int) -> int:
    """zlib's crc32_combine, applied to runs of zeros, so no 3 GiB is ever hashed."""

    def times(matrix: list[int], vector: int) -> int:
        result, row = 0, 0
        while vector:
            if vector & 1:
                result ^= matrix[row]
            vector >>= 1
            row += 1
        return result

    def square(matrix: list[int]) -> list[int]:
        return [times(matrix, matrix[n]) for n in range(32)]

    def combine(crc1: int, crc2: int, length2: int) -> int:
        odd = [0xEDB88320] + [1 << n for n in range(31)]
        even = square(odd)
        odd = square(even)
        while True:
            even = square(odd)
            if length2 & 1:
                crc1 = times(even, crc1)
            length2 >>= 1
            if not length2:
                break
            odd = square(even)
            if length2 & 1:
                crc1 = times(odd, crc1)
            length2 >>= 1
            if not length2:
                break
        return crc1 ^ crc2

    crc, block, size = 0, zlib.crc32(bytes(_MIB)), _MIB
    remaining = length // _MIB
    while remaining:
        if remaining & 1:
            crc = combine(crc, block, size)
        block, size = combine(block, block, size), size * 2
        remaining >>= 1
    return crc


def _deflated_zeros(length: int) -> bytes:
    """A raw deflate stream of ``length`` zero bytes, made from one compressed MiB repeated
    (a full flush leaves no history, so every MiB compresses to the same bytes)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(_MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (length // _MIB) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def _zip_bomb(path: Path) -> Path:
    """An honest zip (headers, CRC and sizes all true) of a manifest and 3 GiB of zeros."""
    name = "model/instance.pkl"
    data = _deflated_zeros(_BOMB_BYTES)
    record = FileRecord(sha256="0" * 64, size=_BOMB_BYTES)  # read only after the size check
    manifest = (
        Manifest(
            name="bomb",
            version="1",
            source_format="native",
            entry_point="m:M",
            files={name: record},
        )
        .to_yaml()
        .encode()
    )
    entries = [
        (MANIFEST_NAME.encode(), 0, manifest, zlib.crc32(manifest), len(manifest)),
        (name.encode(), 8, data, _crc32_of_zeros(_BOMB_BYTES), _BOMB_BYTES),
    ]
    local, central = bytearray(), bytearray()
    for arcname, method, payload, crc, size in entries:
        offset = len(local)
        sizes = (crc, len(payload), size, len(arcname))
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, *sizes, 0)
        local += arcname + payload
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, *sizes, 0, 0, 0, 0, 0, offset
        )
        central += arcname
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(central), len(local), 0)
    path.write_bytes(bytes(local + central + end))
    return path


def test_the_zip_bomb_is_what_it_claims(tmp_path: Path) -> None:
    path = _zip_bomb(tmp_path / "bomb.zip")
    assert path.stat().st_size < 4 * _MIB
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("model/instance.pkl")
        crc = _crc32_of_zeros(_BOMB_BYTES)
        assert info.file_size == _BOMB_BYTES and crc == info.CRC
    stream = zlib.decompressobj(-15)
    three = stream.decompress(_deflated_zeros(3 * _MIB))
    assert three == bytes(3 * _MIB) and stream.eof
    assert _crc32_of_zeros(3 * _MIB) == zlib.crc32(bytes(3 * _MIB))


def test_an_honest_zip_bomb_is_refused_by_default_saying_how_to_raise_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODELPORT_MAX_ARTIFACT_BYTES", raising=False)
    monkeypatch.chdir(tmp_path)  # no modelport.toml here
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path / "home"))
    assert Settings().max_artifact_bytes == 2 * 1024**3
    path = _zip_bomb(tmp_path / "bomb.zip")
    with pytest.raises(ArtifactError) as caught:
        open_artifact(path)
    message, hint = str(caught.value), caught.value.hint or ""
    assert str(path) in message and "over the limit of 2147483648" in message
    assert "MODELPORT_MAX_ARTIFACT_BYTES=4294967296" in hint and "max_artifact_bytes" in hint
    monkeypatch.setenv("MODELPORT_MAX_ARTIFACT_BYTES", "4294967296")
    assert open_artifact(path).manifest.name == "bomb"  # a trusted artifact: the bound was raised
