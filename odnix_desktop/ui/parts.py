"""What the window is given (built once, by ``app.build``): the runner, the queue's model and
the controllers. The window lays out widgets over them; it builds none of them."""

from __future__ import annotations

from dataclasses import dataclass

from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.ui.account import AccountController
from odnix_desktop.ui.app_settings import SettingsController
from odnix_desktop.ui.controller import QueueController
from odnix_desktop.ui.queue_model import QueueModel
from odnix_desktop.ui.uploads import UploadController


@dataclass(frozen=True, slots=True)
class WindowParts:
    settings: SettingsController
    runner: JobRunner
    model: QueueModel
    queue: QueueController
    account: AccountController
    uploads: UploadController
