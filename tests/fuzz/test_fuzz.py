"""Issue 10 item 22: a seeded mutation fuzzer. Every mangled file must end as a result with a
message, within a time limit and under a memory limit; a traceback or a hang fails.

CI runs ``ODNIX_FUZZ_CASES`` cases (300 by default, about a minute); the long mode is
``python -m tests.fuzz --long`` (or ``ODNIX_FUZZ_CASES=3000``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz.runner import run_cases, summary

CASES = int(os.environ.get("ODNIX_FUZZ_CASES", "300"))
FIRST_SEED = int(os.environ.get("ODNIX_FUZZ_SEED", "0"))


@pytest.mark.skipif(os.name == "nt", reason="the worker limits its address space with RLIMIT_AS")
def test_mutated_media_always_ends_as_a_result(tmp_path: Path) -> None:
    outcomes = run_cases(CASES, tmp_path, first_seed=FIRST_SEED)
    problems = [f"{o.name} ({o.mutation}): {o.problem}" for o in outcomes if o.problem]
    assert not problems, summary(outcomes) + "\n" + "\n\n".join(problems[:10])
    # The fuzzer is not vacuous: most cases are refused, some still compress.
    statuses = {o.status for o in outcomes}
    assert "failed" in statuses and statuses & {"compressed", "kept-original"}


def test_found_by_the_long_mode_a_gif_frame_outside_the_canvas(tmp_path: Path) -> None:
    """The long mode's find: a frame descriptor far outside the logical screen grew the
    picture while frames were read (2.25 gigapixels, out of memory after 14 s)."""
    import io
    import resource
    import struct

    from PIL import Image

    from odnix_desktop.core.compress import run_item
    from odnix_desktop.core.options import CompressOptions, Status

    frames = [Image.new("P", (48, 32), i) for i in range(3)]
    for frame in frames:
        frame.putpalette(list(range(256)) * 3)
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=50)
    data = bytearray(buf.getvalue())
    second = data.find(b"\x2c", data.find(b"\x2c", 13) + 1)  # the second image descriptor
    for side in (40000, 50000):  # under and over Pillow's own 2-gigapixel backstop
        struct.pack_into("<HH", data, second + 5, side, side)
        src = tmp_path / f"grow{side}.gif"
        src.write_bytes(bytes(data))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = run_item(src, tmp_path / "out", CompressOptions())
        assert result.status is Status.FAILED and result.error is not None
        assert result.error.startswith(src.name) and (
            "larger than the picture" in result.error or "too large" in result.error
        )
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB
