"""The copy-out extractor: a normal tree comes out whole; hostile members never write outside."""

from __future__ import annotations

import io
import os
import pathlib
import tarfile

import pytest

import rawengine
from rawengine._tar_extract import BlockingReader, extract_tar
from tests.hostile_tars import build, hostile, member


def _reader(data: bytes, piece: int = 7) -> BlockingReader:
    pieces = iter([data[i : i + piece] for i in range(0, len(data), piece)] + [b""])
    return BlockingReader(lambda: next(pieces))


def test_tree_with_symlink_and_hardlink(tmp_path: pathlib.Path) -> None:
    data = build(
        member("src", tarfile.DIRTYPE),
        member("src/sub", tarfile.DIRTYPE),
        member("src/sub/f", data=b"x" * 3000),
        member("src/l", tarfile.SYMTYPE, link="sub/f"),
        member("src/h", tarfile.LNKTYPE, link="src/sub/f"),
    )
    assert extract_tar(_reader(data), str(tmp_path)) == 5
    assert (tmp_path / "src/sub/f").read_bytes() == b"x" * 3000
    assert os.readlink(tmp_path / "src/l") == "sub/f"
    assert (tmp_path / "src/h").stat().st_ino == (tmp_path / "src/sub/f").stat().st_ino


@pytest.mark.parametrize("attack", sorted(hostile("escaped")))
def test_hostile_member_refused_and_nothing_outside(tmp_path: pathlib.Path, attack: str) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "escaped").write_bytes(b"original")
    with pytest.raises(rawengine.UnsafeArchiveError, match="refused tar member"):
        extract_tar(_reader(hostile("escaped")[attack]), str(target))
    assert sorted(os.listdir(tmp_path)) == ["escaped", "target"]
    assert (tmp_path / "escaped").read_bytes() == b"original"
    for entry in target.rglob("*"):
        if entry.is_symlink():
            assert os.path.realpath(entry).startswith(str(target))


def test_existing_symlink_in_the_folder_is_not_written_through(tmp_path: pathlib.Path) -> None:
    target, outside = tmp_path / "target", tmp_path / "outside"
    target.mkdir()
    outside.mkdir()
    (target / "d").symlink_to(outside)
    with pytest.raises(rawengine.UnsafeArchiveError, match="symlink"):
        extract_tar(_reader(build(member("d/x", data=b"x"))), str(target))
    assert list(outside.iterdir()) == []
    # a file member replaces a symlink of the same name instead of writing through it
    (target / "f").symlink_to(outside / "f")
    extract_tar(_reader(build(member("f", data=b"new"))), str(target))
    assert not (target / "f").is_symlink() and not (outside / "f").exists()


def test_not_a_tar_and_cut_short(tmp_path: pathlib.Path) -> None:
    with pytest.raises(rawengine.ProtocolError):
        extract_tar(_reader(b"x" * 1024), str(tmp_path))
    whole = build(member("big", data=b"y" * 100_000))
    with pytest.raises(rawengine.ProtocolError):
        extract_tar(io.BytesIO(whole[:50_000]), str(tmp_path))
