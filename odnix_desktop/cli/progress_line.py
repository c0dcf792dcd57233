"""The upload command's progress line on a terminal (rich), moved out of cli/upload.py."""

from __future__ import annotations

from typing import Any

from odnix_desktop.cli.common import escape
from odnix_desktop.core.progress import Progress
from odnix_desktop.core.upload import UploadProgress


class ProgressLine:
    """A rich progress line on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._name = ""
        self._what = ""

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def start(self, name: str, what: str) -> None:
        self._name, self._what = name, what
        if self._bar is not None:
            self._bar.reset(self._task, description=escape(f"{what} {name}"), total=None)

    def update(self, p: Progress) -> None:
        if self._bar is None:
            return
        if isinstance(p, UploadProgress) and p.bytes_total:
            self._bar.update(
                self._task,
                description=escape(f"{p.stage or self._what} {self._name}"),
                completed=p.bytes_sent,
                total=p.bytes_total,
            )
        elif p.stage:
            self._bar.update(self._task, description=escape(f"{p.stage} {self._name}"))
