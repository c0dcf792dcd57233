"""The batch's time left, learned from this run's own throughput, per kind of work.

Work is counted in units per kind: one per photo, the clip's length in seconds for clips.
Each kind's throughput is the units it finished (fractions of items included) per second of
the machine it had: while photos and a clip are both in progress, each kind is counted as
having had half of that time. The time left is then the machine time the work left needs,
summed over the kinds. (Counting the kinds' times side by side instead, a clip encoded while
photos take most of the two cores looked three times slower than it then ran alone: on the
corpus batch of benchmarks/bench_eta.py the estimate at 25 % was off by 163 % on average;
with the shares, by 24 %, against 70 % for a count-based estimate in the same runs. Since
the CLI hands clips out first, both kinds advance side by side and a count-based estimate
does as well on that batch: 20-34 % against 16-33 %.)

Qt-free and clock-injectable: the CLI's progress bar, the window's status bar and the tests
use the same estimator.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

#: The estimate is shown once this much of the (estimated) work is done.
SHOW_FROM = 0.10


@dataclass(slots=True)
class _Item:
    kind: str
    units: float | None  # None: not known yet (a clip not probed yet)
    fraction: float = 0.0
    active: bool = False
    dropped: bool = False


@dataclass(slots=True)
class _Kind:
    busy: float = 0.0  # seconds with at least one item of this kind in progress
    active: int = 0


class EtaEstimator:
    """Feed it the items (``add``), their progress (``update``) and their end (``finish`` or,
    for work that took no time such as a cache hit, ``drop``); ask ``eta()``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, show_from: float = SHOW_FROM) -> None:
        self._clock = clock
        self._show_from = show_from
        self._items: dict[Hashable, _Item] = {}
        self._kinds: dict[str, _Kind] = {}
        self._last = clock()
        self._lock = threading.Lock()

    def add(self, key: Hashable, kind: str, units: float | None = 1.0) -> None:
        with self._lock:
            self._items[key] = _Item(kind, units)
            self._kinds.setdefault(kind, _Kind())

    def set_units(self, key: Hashable, units: float) -> None:
        with self._lock:
            if key in self._items:
                self._items[key].units = max(units, 0.0)

    def update(self, key: Hashable, fraction: float) -> None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item.dropped:
                return
            self._advance()
            if not item.active and item.fraction < 1.0:
                item.active = True
                self._kinds[item.kind].active += 1
            item.fraction = max(item.fraction, min(fraction, 1.0))

    def finish(self, key: Hashable) -> None:
        self.update(key, 1.0)
        self._end(key, dropped=False)

    def drop(self, key: Hashable) -> None:
        """The item took no real work (skipped, failed at once): neither work left nor throughput."""
        self._end(key, dropped=True)

    def _end(self, key: Hashable, *, dropped: bool) -> None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return
            self._advance()
            if item.active:
                item.active = False
                self._kinds[item.kind].active -= 1
            item.dropped = item.dropped or dropped

    def _advance(self) -> None:
        now = self._clock()
        elapsed, self._last = now - self._last, now
        busy = [kind for kind in self._kinds.values() if kind.active > 0]
        for kind in busy:
            kind.busy += elapsed / len(busy)

    def _units(self, kind: str) -> tuple[float, float]:
        """(done, total) units of ``kind``; unknown lengths count as the known ones' mean."""
        items = [i for i in self._items.values() if i.kind == kind and not i.dropped]
        known = [i.units for i in items if i.units is not None]
        mean = sum(known) / len(known) if known else 1.0
        done = total = 0.0
        for item in items:
            units = item.units if item.units is not None else mean
            total += units
            done += units * item.fraction
        return done, total

    def estimate(self) -> tuple[float, float] | None:
        """(seconds left, fraction of the work done, weighted by time), or None while some kind
        with work left has no throughput measured yet."""
        with self._lock:
            self._advance()
            left = spent = 0.0
            for name, kind in self._kinds.items():
                done, total = self._units(name)
                spent += kind.busy
                if total - done <= 1e-9:
                    continue
                if done <= 0 or kind.busy <= 0:
                    return None
                left += (total - done) * kind.busy / done
            whole = spent + left
            return left, (spent / whole if whole > 0 else 1.0)

    def eta(self) -> float | None:
        """Seconds left, once about :data:`SHOW_FROM` of the work is done; else None."""
        found = self.estimate()
        if found is None or found[1] < self._show_from:
            return None
        return found[0]


def format_eta(seconds: float | None) -> str:
    """``ETA 1:05`` / ``ETA 1:02:03``; empty while unknown."""
    if seconds is None:
        return ""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"ETA {h}:{m:02d}:{s:02d}" if h else f"ETA {m}:{s:02d}"
