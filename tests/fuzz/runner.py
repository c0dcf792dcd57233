"""Drive fuzz cases through long-lived worker processes, with a time and a memory limit per case."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from odnix_desktop.core.compress import UNEXPECTED
from tests.fuzz.mutate import mutate
from tests.fuzz.seeds import EXT, FORMATS, make_seeds

REPO = Path(__file__).resolve().parents[2]
#: A case that takes longer than this is a hang.
CASE_TIMEOUT_S = 30.0
#: Peak RSS of the worker (its own; ffmpeg runs in children) above this fails the case.
MAX_RSS_KIB = 1 << 20
OK_STATUSES = {"compressed", "kept-original", "skipped", "failed"}


@dataclass(frozen=True)
class Outcome:
    name: str
    fmt: str
    mutation: str
    status: str
    error: str | None
    seconds: float
    problem: str | None  # None: the case ended as it must


class Worker:
    def __init__(self, log: Path) -> None:
        self._log = log.open("ab")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.worker"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            bufsize=1,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(self._proc.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def run(self, src: Path, out: Path, timeout: float) -> dict | None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(f"{src}\t{out}\n")
            self._proc.stdin.flush()
            line = self._lines.get(timeout=timeout)
        except (queue.Empty, BrokenPipeError, OSError):
            return None
        return None if line is None else json.loads(line)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._log.close()


def judge(name: str, answer: dict | None) -> str | None:
    if answer is None:
        return f"no result within {CASE_TIMEOUT_S:.0f} s (hang) or the worker died"
    status, error = answer["status"], answer.get("error")
    if status == "traceback":
        return f"uncaught exception:\n{error}"
    if status not in OK_STATUSES:
        return f"unexpected status {status!r}"
    if status == "failed" and (not error or name not in error):
        return f"a failure without a message naming the file: {error!r}"
    if status == "failed" and "out of memory" in error:
        return f"went over the memory limit: {error}"
    if status == "failed" and UNEXPECTED in error:
        return f"an exception the core did not expect: {error}"
    if answer["maxrss_kib"] > MAX_RSS_KIB:
        return f"peak RSS {answer['maxrss_kib'] // 1024} MiB"
    return None


def run_cases(count: int, workdir: Path, *, first_seed: int = 0, workers: int = 2) -> list[Outcome]:
    seeds = make_seeds(workdir / "seeds")
    cases_dir = workdir / "cases"
    cases_dir.mkdir(parents=True, exist_ok=True)
    plan = []
    for i in range(count):
        fmt = FORMATS[i % len(FORMATS)]
        seed = first_seed + i // len(FORMATS)
        mutation, data = mutate(seed, fmt, seeds)
        name = f"{fmt}-{seed}-{mutation}{EXT[fmt]}"
        (cases_dir / name).write_bytes(data)
        plan.append((name, fmt, mutation))
    chunks = [plan[k::workers] for k in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        parts = pool.map(lambda chunk: _drive(chunk, cases_dir, workdir), chunks)
        return [o for part in parts for o in part]


def _drive(chunk: list[tuple[str, str, str]], cases_dir: Path, workdir: Path) -> list[Outcome]:
    log = workdir / f"worker-{threading.get_ident()}.log"
    worker = Worker(log)
    outcomes = []
    try:
        for name, fmt, mutation in chunk:
            out = workdir / "out" / name
            started = time.monotonic()
            answer = worker.run(cases_dir / name, out, CASE_TIMEOUT_S)
            seconds = time.monotonic() - started
            problem = judge(name, answer)
            if problem is not None:  # hung, died or grew: a fresh worker for the next case
                worker.close()
                worker = Worker(log)
            status = "none" if answer is None else answer["status"]
            error = None if answer is None else answer.get("error")
            outcomes.append(Outcome(name, fmt, mutation, status, error, seconds, problem))
            shutil.rmtree(out, ignore_errors=True)
    finally:
        worker.close()
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    slowest = max(outcomes, key=lambda o: o.seconds)
    return f"{len(outcomes)} cases: {counts}; slowest {slowest.name} {slowest.seconds:.1f} s"
