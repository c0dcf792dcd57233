"""Runs fuzz cases one by one: a path per line in, one JSON result per line out.

A Python exception that ``run_item`` did not turn into a result is reported with its
traceback (that is a bug the fuzzer found). The address space is limited, so a case
that tries to allocate without bound fails here instead of swapping the machine.
"""

from __future__ import annotations

import json
import resource
import sys
import traceback
from pathlib import Path

ADDRESS_SPACE = 4 << 30


def main() -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    except (ValueError, OSError):  # pragma: no cover
        pass
    from odnix_desktop.core.compress import run_item
    from odnix_desktop.core.options import CompressOptions

    options = CompressOptions()
    for line in sys.stdin:
        src, out = line.rstrip("\n").split("\t")
        try:
            result = run_item(Path(src), Path(out), options)
            answer = {"status": result.status.value, "error": result.error, "warnings": list(result.warnings)}
        except BaseException:  # noqa: BLE001 - exactly what the fuzzer looks for
            answer = {"status": "traceback", "error": traceback.format_exc()}
        answer["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
