"""``neurectomy atlas validate`` on hostile data folders: every problem is a file/line message, never a traceback.

Regressions from an attack-and-fault run (issue 19): a missing or empty folder printed "atlas valid"; binary or
non-UTF-8 files gave tracebacks; a 3,000-nerve cycle gave RecursionError; a symlink to /dev/zero a MemoryError.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurectomy.atlas.load import AtlasError, compile_atlas

from .conftest import FIXTURES


def _validate(folder: Path) -> tuple[int, str]:
    from neurectomy.cli import app

    res = CliRunner().invoke(app, ["atlas", "validate", str(folder)])
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, " ".join(res.output.split())  # unwrapped (Rich wraps at the terminal width)


def _mini(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", data)
    return data


def _problems(folder: Path) -> list[str]:
    with pytest.raises(AtlasError) as info:
        compile_atlas(folder)
    return [str(p) for p in info.value.problems]


def test_a_missing_or_empty_folder_is_an_error(tmp_path: Path) -> None:
    """A missing or empty folder printed "atlas valid" (an atlas of nothing); both are now errors (exit 1)."""
    code, out = _validate(tmp_path / "nowhere")
    assert code == 1 and "no such folder" in out and "atlas valid" not in out
    (tmp_path / "empty").mkdir()
    code, out = _validate(tmp_path / "empty")
    assert code == 1 and "no atlas data files" in out
    (tmp_path / "file.yaml").write_text("region: x\n")
    code, out = _validate(tmp_path / "file.yaml")
    assert code == 1 and "not a folder" in out


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "extra.yaml:3: a binary file"),
        (b"region: caf\xe9\nnerves: []\n", "extra.yaml:1: not UTF-8 text (byte 0xe9)"),
        (b"region: x\nnerves: []\n# ok\n\xff\xfe\n", "extra.yaml:4: not UTF-8 text (byte 0xff)"),
        (b"region: x\nwhen: 2024-13-45\n", "extra.yaml: not valid YAML"),
        (b"region: x\nnerves: " + b"[" * 5000 + b"]" * 5000 + b"\n", "extra.yaml"),
    ],
    ids=["binary", "latin-1", "bad byte on line 4", "impossible date", "nested 5000 deep"],
)
def test_binary_and_non_utf8_files_are_file_line_messages(tmp_path: Path, content: bytes, expect: str) -> None:
    """Binary or non-UTF-8 files gave a traceback (UnicodeDecodeError); each is now a problem naming the file and
    the line of the first bad byte, alongside the problems of the other files."""
    data = _mini(tmp_path)
    (data / "extra.yaml").write_bytes(content)
    code, out = _validate(data)
    assert code == 1 and expect in out, out
    assert "Traceback" not in out


def test_oversized_and_special_files_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A symlink to /dev/zero was read until memory ran out (MemoryError). Files that are not regular files
    (devices, pipes, folders, symlinks to them) and files over the size limit are refused unread."""
    from neurectomy.atlas import load

    data = _mini(tmp_path)
    (data / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(data / "pipe.yaml")
    (data / "folder.yaml").mkdir()
    problems = _problems(data)
    for name in ("zero.yaml", "pipe.yaml", "folder.yaml"):
        assert f"{name}: not a regular file (a folder, device or pipe)" in problems, problems
    for name in ("zero.yaml", "pipe.yaml", "folder.yaml"):
        (data / name).unlink() if not (data / name).is_dir() else (data / name).rmdir()
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    (data / "big.yaml").write_text("# " + "x" * 2000 + "\n")
    assert any(p.startswith("big.yaml: larger than") for p in _problems(data))


def _chain(n: int, cycle: bool) -> str:
    """``n`` nerves, each the parent of the next (and the last the parent of the first when ``cycle``)."""
    lines = ["region: chain", "nerves:"]
    for i in range(n):
        parent = f"n{i - 1}" if i else (f"n{n - 1}" if cycle else None)
        link = f", parent: {parent}, origin_mm: 1" if parent else ", roots: [C5]"
        lines.append(f"  - {{id: n{i}, name: nerve {i}{link}, length_mm: 10, fibres: [somatic_sensory], source: book}}")
    lines += [
        "skin_regions:",
        f"  - {{id: skin_end, name: skin of the end, area_cm2: 1, supply: [{{nerve: n{n - 1}}}], source: book}}",
    ]
    return "\n".join(lines) + "\n"


def test_a_3000_nerve_cycle_is_reported_not_a_recursion_error(tmp_path: Path) -> None:
    """A cycle through 3,000 nerves gave RecursionError; it is now one problem naming the cycle (shortened), and
    a 3,000-nerve chain without a cycle compiles."""
    data = tmp_path / "cycle"
    data.mkdir()
    shutil.copy(FIXTURES / "mini" / "references.yaml", data / "references.yaml")
    (data / "chain.yaml").write_text(_chain(3000, cycle=True))
    problems = _problems(data)
    cycles = [p for p in problems if "cycle in the nerve tree" in p]
    assert len(cycles) == 1 and "more" in cycles[0] and cycles[0].startswith("chain.yaml:"), cycles
    (data / "chain.yaml").write_text(_chain(3000, cycle=False))
    atlas = compile_atlas(data)
    assert len(atlas.nerves) == 3000
