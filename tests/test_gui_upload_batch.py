"""Issue 13, item 6: several photos as posts with one caption. Pre-flight applies the server's
duplicate rule across the batch and offers the fix (numbered captions, or one post every 3
minutes), against the fake server, which refuses the same post within 3 minutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from odnix_desktop.core.upload import Target
from odnix_desktop.core.upload.preflight import SamePosts, check_batch_posts
from odnix_desktop.jobs.base import JobState
from odnix_desktop.jobs.upload import UploadRequest
from tests.gui_helpers import *  # noqa: F403
from tests.test_gui_upload import finished_photo, log_in, open_dialog, up_window  # noqa: F401
from tests.upload_fakes import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("no_dangling_jobs")


def test_two_posts_with_one_caption_are_refused_by_preflight_with_the_fix_offered(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    first = finished_photo(qtbot, win, tmp_path, "a.jpg")
    second = finished_photo(qtbot, win, tmp_path, "b.jpg")
    win.table.select_items([first, second])
    fake.hits.clear()
    dialog = open_dialog(qtbot, win, Target.POST, caption="Holiday")
    assert dialog.caption.tabChangesFocus()  # Tab leaves the caption box
    failures = dialog.failures()
    assert len(failures) == 1 and "same caption as post 1" in failures[0] and "3 minutes" in failures[0]
    assert not dialog.upload_button.isEnabled()
    assert dialog.same_posts.isVisibleTo(dialog)  # the fix, offered beside the caption
    dialog.same_posts.setCurrentIndex(dialog.same_posts.findData(SamePosts.NUMBERED.value))
    qtbot.waitUntil(lambda: not dialog.is_checking(), timeout=10_000)
    assert dialog.failures() == [] and dialog.upload_button.isEnabled()
    request = dialog.request()
    dialog.accept()
    with qtbot.waitSignal(win.uploads.uploadsFinished, timeout=20_000):
        win._on_upload_accepted()
    assert first.upload.phase is JobState.FINISHED and second.upload.phase is JobState.FINISHED, (
        first.upload.error,
        second.upload.error,
    )
    assert sorted(s["content"] for s in fake.scribes) == ["Holiday (1/2)", "Holiday (2/2)"]
    assert request.caption_for(first.id) == "Holiday (1/2)"


def test_spaced_posts_wait_their_turn_and_pass_the_check():
    checks = check_batch_posts(["Holiday"] * 3, SamePosts.SPACED)
    assert all(c.ok for c in checks) and "min after the first" in checks[2].message
    refused = check_batch_posts(["Holiday", "Other", "Holiday"], SamePosts.AS_TYPED)
    assert [c.ok for c in refused] == [True, True, False] and "post 1" in refused[2].message
    from odnix_desktop.jobs.upload import PlannedUpload

    plans = [PlannedUpload(i, Path(f"{i}.jpg"), None) for i in range(3)]
    request = UploadRequest(Target.POST, "Holiday", plans=plans, same_posts=SamePosts.SPACED.value)
    assert [request.wait_before(p.item_id) for p in plans] == [0.0, 181.0, 362.0]
    assert request.caption_for(2) == "Holiday"


def test_a_post_for_one_item_needs_no_batch_choice(qtbot, up_window, fake, tmp_path):
    win = up_window
    log_in(qtbot, win, fake)
    finished_photo(qtbot, win, tmp_path)
    dialog = open_dialog(qtbot, win, Target.POST, caption="Holiday")
    assert not dialog.same_posts.isVisibleTo(dialog) and dialog.failures() == []
    dialog.reject()
