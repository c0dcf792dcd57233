"""Small stand-ins for two big libraries the app links to but never calls (Linux builds, by build.spec).

- numpy's OpenBLAS (numpy.libs/libscipy_openblas64_*, 25 MB, plus the libgfortran/libquadmath it
  needs, 3 MB): numpy's core links it for matmul/dot/linalg; the app's only numpy code (the
  perceptual metric, core/image/quality/) uses element-wise arithmetic and no BLAS or linalg.
  The stand-in has every symbol numpy's modules take from it: sdot/ddot are plain loops (numpy's
  own import-time sanity check runs one), every other one, if ever called, writes what was called
  to stderr and aborts (a loud failure, never a wrong number).
- pillow-heif's x265 (pillow_heif.libs/libx265-*, 23 MB): libheif links it for its HEVC *encoder*
  only (decoding is libde265); the app only decodes HEIC. The stand-in's x265_api_get_NNN returns
  NULL, which libheif reports as an encoder error ("Unsupported bit depth"), and x265_cleanup
  does nothing.

Each stand-in is built with the system C compiler and keeps the original's file name and soname,
so the modules that link it load unchanged. Without a C compiler the real libraries are kept.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ABORT_TEMPLATE = """\
#include <stdio.h>
#include <stdlib.h>
static void odnix_missing(const char *name) {
    fprintf(stderr, "odnix-desktop: %s was called, but this bundle carries no BLAS "
                    "(numpy.libs was replaced by a stand-in; see packaging/stub_libs.py)\\n", name);
    abort();
}
"""

# cblas_?dot with 64-bit integers (ILP64, as numpy's scipy-openblas64): BLAS semantics, including
# negative increments (the vector is walked from its end).
DOT_TEMPLATE = """\
{t} {name}(long long n, const {t} *x, long long incx, const {t} *y, long long incy) {{
    {t} sum = 0;
    long long ix = incx < 0 ? (1 - n) * incx : 0, iy = incy < 0 ? (1 - n) * incy : 0;
    for (long long i = 0; i < n; i++, ix += incx, iy += incy) sum += x[ix] * y[iy];
    return sum;
}}
"""


def _symbols(path: str, defined: bool) -> dict[str, str]:
    """Dynamic symbols of ``path``: name -> nm type letter."""
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, path], capture_output=True, text=True, check=True).stdout
    found: dict[str, str] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            found[parts[-1].split("@")[0]] = parts[-2]
    return found


def _soname(path: str) -> str:
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    match = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return match.group(1) if match else os.path.basename(path)


def _compile(source: str, soname: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    c_file = out.with_suffix(out.suffix + ".c")
    c_file.write_text(source, encoding="utf-8")
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-O1", "-s", f"-Wl,-soname,{soname}", "-o", str(out), str(c_file)],
        check=True,
    )


def openblas_source(lib: str, users: list[str]) -> str:
    """C for every function ``users`` take from ``lib``: each aborts with its name."""
    offered = _symbols(lib, defined=True)
    wanted = sorted({name for user in users for name in _symbols(user, defined=False)} & offered.keys())
    not_code = [name for name in wanted if offered[name] not in "Tt"]
    if not_code:
        raise SystemExit(f"stub_libs: {lib} exports data, not only functions: {not_code}")
    body = [ABORT_TEMPLATE]
    for name in wanted:
        real = re.fullmatch(r"scipy_cblas_([sd])dot64_", name)
        if real:  # numpy's import runs x.dot(x) on two float32s as a sanity check: a plain loop
            body.append(DOT_TEMPLATE.format(name=name, t="float" if real.group(1) == "s" else "double"))
        else:
            body.append(f'void {name}(void) {{ odnix_missing("{name}"); }}')
    return "\n".join(body) + "\n"


def x265_source(lib: str, users: list[str]) -> str:
    """x265_api_get_NNN -> NULL, x265_cleanup: nothing; anything else libheif wants is an error."""
    offered = _symbols(lib, defined=True)
    wanted = {name for user in users for name in _symbols(user, defined=False)} & offered.keys()
    body = ["#include <stddef.h>"]
    for name in sorted(wanted):
        if re.fullmatch(r"x265_api_get_\d+", name):
            body.append(f"const void *{name}(int bit_depth) {{ (void)bit_depth; return NULL; }}")
        elif name == "x265_cleanup":
            body.append("void x265_cleanup(void) {}")
        elif name == "_ZSt21ios_base_library_initv":
            # GCC 13's <iostream> anchor (an empty function in libstdc++ 13), which x265's static
            # C++ runtime exported; the bundle's libstdc++ may be older and lack it.
            body.append("void _ZSt21ios_base_library_initv(void) {}")
        elif name.startswith("_Z"):
            continue  # other C++ runtime symbols x265 happens to export: libstdc++ provides them
        else:
            raise SystemExit(f"stub_libs: libheif needs {name} from {lib}: no stand-in for it")
    return "\n".join(body) + "\n"


STUBS = {
    # file-name prefix in the bundle -> (C source maker, libraries only it needs, dropped with it)
    "libscipy_openblas": (openblas_source, ("libgfortran", "libquadmath")),
    "libx265": (x265_source, ()),
}


def available() -> bool:
    return all(shutil.which(tool) for tool in ("cc", "nm", "readelf"))


def replace(toc: list, work: Path) -> list:
    """The binaries TOC with each stubbed library's source swapped for its stand-in, and the
    libraries only the original needed removed."""
    if not available():
        return toc
    needed_by = {}
    for dest, src, kind in toc:
        if kind in ("BINARY", "EXTENSION") and os.path.isfile(src):
            out = subprocess.run(["readelf", "-d", src], capture_output=True, text=True, check=True).stdout
            needed_by[dest] = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))
    result = list(toc)
    for prefix, (make_source, companions) in STUBS.items():
        entry = next((e for e in result if os.path.basename(e[0]).startswith(prefix)), None)
        if entry is None:
            continue
        dest, src, kind = entry
        name = os.path.basename(dest)
        users = [s for d, s, _k in result if name in needed_by.get(d, ())]
        stub = work / "stubs" / name
        _compile(make_source(src, users), _soname(src), stub)
        result = [(d, str(stub), k) if d == dest else (d, s, k) for d, s, k in result]
        for companion in companions:
            still = [
                d
                for d, need in needed_by.items()
                if d != dest
                and not os.path.basename(d).startswith(companions)
                and any(n.startswith(companion) for n in need)
            ]
            if not still:
                result = [e for e in result if not os.path.basename(e[0]).startswith(companion)]
    return result
