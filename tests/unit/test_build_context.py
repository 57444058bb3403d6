"""Tarring a build context directory, and `.dockerignore` matching as moby's patternmatcher does it."""

from __future__ import annotations

import os
import pathlib
import tarfile
from typing import IO

import pytest

from rawengine._build_context import IgnoreRules, spool, tar_context


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["*.log"], "app.log", True),
        (["*.log"], "logs/app.log", False),  # `*` stays inside one segment
        (["**/*.log"], "logs/deep/app.log", True),
        (["**/*.log"], "app.log", True),
        (["logs"], "logs/deep/app.log", True),  # a matched directory takes what is below it
        (["/logs"], "logs/x", True),  # a leading slash means the context root
        (["logs/*"], "logs", False),
        (["a?c"], "abc", True),
        (["a?c"], "a/c", False),
        (["*", "!keep.txt"], "keep.txt", False),
        (["*", "!keep.txt"], "other.txt", True),
        (["!keep.txt", "*"], "keep.txt", True),  # the last match wins
        (["docs/**", "!docs/**/*.md"], "docs/a/b/readme.md", False),
        (["docs/**", "!docs/**/*.md"], "docs/a/b/image.png", True),
        (["file(1).txt"], "file(1).txt", True),  # regex specials are literal
        (["file.txt"], "fileXtxt", False),
        (["# a comment", "", "  tmp  "], "tmp", True),
        (["./build/../tmp"], "tmp", True),  # cleaned like filepath.Clean
        (["[a-c].txt"], "b.txt", True),
        (["\\*.txt"], "*.txt", True),
        (["\\*.txt"], "a.txt", False),
    ],
)
def test_ignore_rules(patterns: list[str], path: str, excluded: bool) -> None:
    assert IgnoreRules(patterns).excludes(path) is excluded


def make_context(root: pathlib.Path) -> None:
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / ".dockerignore").write_text("secret.txt\n*.log\ncache\nDockerfile\n.dockerignore\n")
    (root / "app.txt").write_text("app\n")
    (root / "secret.txt").write_text("secret\n")
    (root / "debug.log").write_text("log\n")
    (root / "cache").mkdir()
    (root / "cache" / "blob").write_bytes(b"\0" * 10)
    (root / "src").mkdir()
    (root / "src" / "main.sh").write_text("echo hi\n")
    (root / "src" / "main.sh").chmod(0o755)
    os.symlink("src/main.sh", root / "link")


def members(tar_file: IO[bytes]) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=tar_file) as tar:
        return {member.name: member for member in tar.getmembers()}


def test_tar_context_honours_dockerignore_but_keeps_build_files(tmp_path: pathlib.Path) -> None:
    make_context(tmp_path)
    with spool() as tar_file:
        tar_context(tmp_path, tar_file)
        entries = members(tar_file)
        assert sorted(entries) == [".dockerignore", "Dockerfile", "app.txt", "link", "src", "src/main.sh"]
        assert all(member.uid == 0 and member.gid == 0 for member in entries.values())
        assert entries["link"].issym() and entries["link"].linkname == "src/main.sh"
        assert entries["src/main.sh"].mode & 0o111
        tar_file.seek(0)
        with tarfile.open(fileobj=tar_file) as tar:
            main = tar.extractfile("src/main.sh")
            assert main is not None and main.read() == b"echo hi\n"


def test_tar_context_keeps_a_custom_dockerfile(tmp_path: pathlib.Path) -> None:
    make_context(tmp_path)
    (tmp_path / "cache" / "Build.Dockerfile").write_text("FROM scratch\n")
    with spool() as tar_file:
        tar_context(tmp_path, tar_file, dockerfile="cache/Build.Dockerfile")
        names = set(members(tar_file))
    assert "cache/Build.Dockerfile" in names
    assert "cache/blob" not in names


def test_tar_context_without_dockerignore_sends_everything(tmp_path: pathlib.Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.txt").write_text("b\n")
    with spool() as tar_file:
        tar_context(tmp_path, tar_file)
        assert sorted(members(tar_file)) == ["Dockerfile", "a", "a/b.txt"]


def test_tar_context_needs_a_directory(tmp_path: pathlib.Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError), spool() as tar_file:
        tar_context(tmp_path / "file", tar_file)
