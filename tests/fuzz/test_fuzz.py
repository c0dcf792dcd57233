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
