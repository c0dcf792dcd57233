"""Check a built dist/odnix-desktop/ folder for what frozen builds typically lose.

    python packaging/check_bundle.py [dist/odnix-desktop]

Static checks only (packaging/smoke.sh then runs the bundle): both executables, the ffmpeg
binary where imageio-ffmpeg looks for it and executable, Qt's platform plugins (xcb, offscreen),
the HEIC plugin's libraries, libvips, resources/, keyring's entry points, no dangling
symlinks, and every ELF file's libraries resolvable inside the folder (ldd, Linux only).
Exit 1 with one line per problem.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def elf_files(root: Path) -> list[Path]:
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    out.append(path)
    return out


def check(bundle: Path) -> list[str]:
    problems: list[str] = []
    internal = bundle / "_internal"
    exe_suffix = ".exe" if os.name == "nt" else ""

    def need(path: Path, what: str, executable: bool = False) -> None:
        if not path.exists():
            problems.append(f"missing {what}: {path.relative_to(bundle)}")
        elif executable and not os.access(path, os.X_OK):
            problems.append(f"not executable: {what}: {path.relative_to(bundle)}")

    for name in ("odnix-desktop", "odnix-compress"):
        need(bundle / f"{name}{exe_suffix}", f"the {name} executable", executable=True)
    ffmpegs = sorted((internal / "imageio_ffmpeg" / "binaries").glob("ffmpeg*"))
    if not ffmpegs:
        problems.append("missing the ffmpeg binary in _internal/imageio_ffmpeg/binaries/")
    for f in ffmpegs:
        need(f, "ffmpeg", executable=True)
    need(internal / "resources" / "odnix-256.png", "the app icon")
    need(internal / "resources" / "odnix.svg", "the app icon (SVG)")
    if sys.platform.startswith("linux"):
        plugins = internal / "PySide6" / "Qt" / "plugins"
        for plugin in (
            "platforms/libqxcb.so",
            "platforms/libqoffscreen.so",
            "iconengines/libqsvgicon.so",
            "imageformats/libqjpeg.so",
            "xcbglintegrations/libqxcb-glx-integration.so",
        ):
            need(plugins / plugin, "a Qt plugin")
        if not list(internal.glob("_pillow_heif*.so")):
            problems.append("missing pillow-heif's _pillow_heif extension")
        if not list((internal / "pillow_heif.libs").glob("libheif*")):
            problems.append("missing pillow-heif's libheif")
        if not list((internal / "pyvips_binary.libs").glob("libvips*")):
            problems.append("missing pyvips-binary's libvips")
        if not list(internal.glob("_libvips*.so")):
            problems.append("missing pyvips-binary's _libvips extension")
    eps = list(internal.glob("keyring-*.dist-info/entry_points.txt"))
    if not eps or "keyring.backends" not in eps[0].read_text(encoding="utf-8"):
        problems.append("missing keyring's entry points (its backends would not be found)")
    for dirpath, dirs, files in os.walk(bundle):
        for name in dirs + files:
            path = Path(dirpath) / name
            if path.is_symlink() and not path.exists():
                problems.append(f"dangling symlink: {path.relative_to(bundle)} -> {os.readlink(path)}")
    if sys.platform.startswith("linux"):
        env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
        for path in elf_files(bundle):
            done = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env, check=False)
            for line in done.stdout.splitlines():
                if "not found" in line:
                    problems.append(f"{path.relative_to(bundle)}: {line.strip()}")
    return problems


def main(argv: list[str]) -> int:
    bundle = Path(argv[0] if argv else "dist/odnix-desktop").resolve()
    if not bundle.is_dir():
        sys.stderr.write(f"check_bundle: no bundle at {bundle}\n")
        return 1
    problems = check(bundle)
    for p in problems:
        sys.stderr.write(f"check_bundle: {p}\n")
    if problems:
        return 1
    sys.stdout.write(f"check_bundle: {bundle} looks complete\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
