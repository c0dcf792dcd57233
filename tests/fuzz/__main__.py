"""``python -m tests.fuzz [--long] [--cases N] [--seed S]``: run the fuzzer outside pytest."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.fuzz.runner import run_cases, summary


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz")
    p.add_argument("--long", action="store_true", help="3000 cases instead of 300")
    p.add_argument("--cases", type=int, default=None)
    p.add_argument("--seed", type=int, default=1000, help="first seed (CI uses 0)")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    count = args.cases or (3000 if args.long else 300)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="odnix-fuzz-") as tmp:
        outcomes = run_cases(count, Path(tmp), first_seed=args.seed, workers=args.workers)
    bad = [o for o in outcomes if o.problem]
    for o in bad:
        print(f"--- {o.name} ({o.mutation}, {o.seconds:.1f} s)\n{o.problem}\n")  # noqa: T201 - a command-line report
    print(summary(outcomes), f"in {time.monotonic() - started:.0f} s; {len(bad)} problem(s)")  # noqa: T201
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
