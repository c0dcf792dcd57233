"""Real read-only and full file systems (tmpfs mounts, where this machine allows them)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from odnix_desktop.core.compress import run_item
from odnix_desktop.core.options import CompressOptions, Status
from tests import media_factory as mf


def _mount(target: Path, options: str) -> bool:
    if os.name != "posix" or os.geteuid() != 0:
        return False
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True, stdin=subprocess.DEVNULL
    )
    return proc.returncode == 0


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[callable]:
    mounts: list[Path] = []

    def make(name: str, options: str) -> Path:
        target = tmp_path / name
        target.mkdir()
        if not _mount(target, options):
            pytest.skip("cannot mount a tmpfs here (needs root and mount rights)")
        mounts.append(target)
        return target

    yield make
    for target in mounts:
        subprocess.run(["umount", str(target)], check=False, stdin=subprocess.DEVNULL)


def test_read_only_file_system(tmp_path, mounted):
    src = mf.save_jpeg(tmp_path / "x.jpg", mf.photo_like(600, 400))
    ro = mounted("ro", "ro,size=1m")
    result = run_item(src, ro, CompressOptions())
    assert result.status is Status.FAILED
    assert "read-only" in result.error and "x.jpg" in result.error
    assert list(ro.iterdir()) == []


def test_full_disk_leaves_no_partial_file(tmp_path, mounted):
    src = mf.save_jpeg(tmp_path / "big.jpg", mf.photo_like(2000, 1500), quality=95)
    full = mounted("full", "size=48k")
    result = run_item(src, full, CompressOptions(quality=95, keep_original_if_smaller=False))
    assert result.status is Status.FAILED
    assert "full" in result.error
    assert [p for p in full.rglob("*") if p.is_file()] == []
