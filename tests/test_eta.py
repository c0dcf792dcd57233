"""The batch's time left (issue 12 §5), learned per kind from the run's own throughput."""

from __future__ import annotations

import pytest

from odnix_desktop.core.eta import EtaEstimator, format_eta


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_photos_alone_extrapolate_their_rate_and_appear_after_ten_percent():
    clock = FakeClock()
    eta = EtaEstimator(clock)
    for i in range(20):
        eta.add(i, "image")
    eta.update(0, 0.0)
    assert eta.eta() is None  # nothing done yet
    clock.now = 0.5
    eta.finish(0)
    assert eta.eta() is None  # 1 of 20 done: under 10 %
    for i in range(1, 4):
        eta.update(i, 0.0)
        clock.now += 0.5
        eta.finish(i)
    # 4 photos in 2 s: 16 left at 2 photos/s.
    assert eta.eta() == pytest.approx(8.0)


def test_clips_count_in_seconds_and_kinds_in_progress_together_share_the_machine():
    clock = FakeClock()
    eta = EtaEstimator(clock)
    eta.add("short", "video", 10.0)
    eta.add("long", "video", 90.0)
    for i in range(3):
        eta.add(i, "image")
    eta.update("short", 0.0)
    eta.update(0, 0.0)
    clock.now = 4.0
    eta.finish(0)  # 4 s shared by both kinds: the photo had 2 s of machine -> 0.5 photo/s
    clock.now = 5.0
    eta.finish("short")  # 10 s of clip in 2 + 1 s of machine -> 10/3 s of clip per second
    eta.update("long", 0.0)
    # Left: 2 photos (4 s) + 90 s of clip (27 s) of machine time.
    assert eta.eta() == pytest.approx(4.0 + 90 * 3 / 10)
    clock.now = 8.0
    eta.update("long", 0.5)  # alone for 3 s: 55 s of clip in 6 s of machine
    assert eta.eta() == pytest.approx(4.0 + 45 * 6 / 55)


def test_skipped_items_neither_add_work_nor_speed():
    clock = FakeClock()
    eta = EtaEstimator(clock)
    for i in range(10):
        eta.add(i, "image")
    for i in range(5):
        eta.drop(i)  # cache hits: instant
    eta.update(5, 0.0)
    clock.now = 2.0
    eta.finish(5)  # 1 photo in 2 s, 4 left
    assert eta.eta() == pytest.approx(8.0)


def test_unknown_clip_lengths_count_as_the_known_ones_mean_and_no_rate_means_no_eta():
    clock = FakeClock()
    eta = EtaEstimator(clock)
    eta.add("a", "video", 20.0)
    eta.add("b", "video", None)
    eta.add("p", "image")
    eta.update("a", 0.0)
    clock.now = 10.0
    eta.update("a", 1.0)
    eta.finish("a")
    assert eta.eta() is None  # photos have work left and no rate yet
    eta.update("p", 0.0)
    clock.now = 11.0
    eta.finish("p")
    assert eta.eta() == pytest.approx(10.0)  # b counted as 20 s of clip at 2 s/s
    eta.set_units("b", 40.0)
    assert eta.eta() == pytest.approx(20.0)


def test_format():
    assert format_eta(None) == ""
    assert format_eta(65.4) == "ETA 1:05"
    assert format_eta(3723) == "ETA 1:02:03"
