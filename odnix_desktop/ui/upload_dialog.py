"""The upload dialog: choose where the selected items go, give the caption, recipient or story
text (and the story's look, or "view once" for a chat), and see the pre-flight checks (the core's
``preflight``, run in a worker) before sending.

It edits nothing: OK hands back an :class:`~odnix_desktop.jobs.upload.UploadRequest`.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from odnix_desktop.core.media import MediaKind
from odnix_desktop.core.presets import PRESETS
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.upload import PlannedUpload, PreflightJob, UploadRequest
from odnix_desktop.ui import text
from odnix_desktop.ui.color_button import ColorButton

__all__ = ["ColorButton", "UploadDialog"]
from odnix_desktop.ui.queue_model import QueueItem

if TYPE_CHECKING:
    from odnix_desktop.core.upload import Target, UploadHistory

OK_MARK, BAD_MARK, NOTE_MARK, WARN_MARK = "✓", "✗", "•", "⚠"
_GOOD, _BAD, _WARN = QColor(40, 150, 70), QColor(210, 60, 50), QColor(190, 120, 0)
#: The story text positions the server takes, with their labels.
STORY_POSITIONS = (("top", "Top"), ("center", "Centre"), ("bottom", "Bottom"))


#: The fix offered when several posts go with one caption (core.upload.preflight.SamePosts).
SAME_POSTS_CHOICES = (
    ("as-typed", "Same caption for each (the server refuses all but the first)"),
    ("numbered", "Number the captions: “… (1/3)”, “… (2/3)”…"),
    ("spaced", "Send one every 3 minutes, same caption"),
)


class UploadDialog(QDialog):
    """``planner(target, send_original)`` says which file each item sends (its compressed output,
    or a recompression with the target's preset first, or the original when asked)."""

    _serial = itertools.count(1)

    def __init__(
        self,
        items: list[QueueItem],
        planner: Callable[[Target, bool], list[PlannedUpload]],
        runner: JobRunner,
        *,
        history: UploadHistory | None = None,
        server: str | None = None,
        user: str | None = None,
        parent: QWidget | None = None,
        background: str = "#ffffff",
    ) -> None:
        from odnix_desktop.core.upload import Target

        super().__init__(parent)
        self.Target = Target
        self.items = items
        self.planner = planner
        self.runner = runner
        self.history = history
        self.server = server
        self.user = user
        self._job: PreflightJob | None = None
        self._want = 0
        self._checks_ok = False
        self._plans: list[PlannedUpload] = []
        names = ", ".join(i.source.name for i in items[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")
        self.setWindowTitle(f"Upload {len(items)} item{'s' if len(items) != 1 else ''} to Odnix")
        self.setMinimumSize(640, 520)

        account = html.escape(f"{user or '?'} @ {server or '?'}")
        head = QLabel(f"<b>{html.escape(names)}</b><br>to {account}")  # names are text, not HTML
        head.setToolTip("The items selected in the queue, and the account they go to")
        form = QFormLayout()
        self.target = QComboBox()
        for t in Target:
            self.target.addItem(t.title.capitalize(), t)
            self.target.setItemData(self.target.count() - 1, PRESETS[t.value].description, Qt.ItemDataRole.ToolTipRole)
        self.target.setToolTip(
            "Where the items go: a feed post, a reel, a story, a chat message or your profile picture"
        )
        first_kind = items[0].kind if items else None
        default = Target.POST if first_kind is None or first_kind is MediaKind.IMAGE else Target.REEL
        if len(items) == 1 and items[0].used_preset in [t.value for t in Target]:
            default = Target(items[0].used_preset)
        self.target.setCurrentIndex(self.target.findData(default))
        form.addRow("Send as", self.target)

        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText("user name")
        self.recipient.setToolTip("Who receives the chat message (their Odnix user name)")
        self.recipient_label = QLabel("To")
        form.addRow(self.recipient_label, self.recipient)

        self.caption = QPlainTextEdit()
        self.caption.setFixedHeight(90)
        self.caption.setTabChangesFocus(True)  # Tab moves on; a caption needs no tab character
        self.caption.setToolTip("Caption of the post or reel, text over the story, or the chat message")
        self.caption_label = QLabel("Caption")
        form.addRow(self.caption_label, self.caption)
        self.counter = QLabel()
        self.counter.setToolTip("Characters used (the server strips spaces at both ends)")
        form.addRow("", self.counter)

        self.form = form
        self.story_look = self._story_look_row()
        form.addRow("Story look", self.story_look)
        self.one_time = QCheckBox("View once")
        self.one_time.setToolTip("The recipient can open the photo or clip only once")
        form.addRow("", self.one_time)
        self.post_background = ColorButton(background, "Background for transparent posts")
        self.post_background.setToolTip("Transparent areas of a post are flattened onto this colour before sending")
        form.addRow("Transparent areas onto", self.post_background)

        self.same_posts = QComboBox()
        for value, words in SAME_POSTS_CHOICES:
            self.same_posts.addItem(words, value)
        self.same_posts.setToolTip(
            "The server refuses a post whose caption equals one sent in the last 3 minutes: give each "
            "post its own caption (numbered), or send them one after another"
        )
        self.same_posts_label = QLabel("Several posts")
        form.addRow(self.same_posts_label, self.same_posts)
        self.send_original = QCheckBox("Send the original files, not the compressed outputs")
        self.send_original.setToolTip(
            "Not recommended: stories, chat clips and profile pictures are stored exactly as sent"
        )
        form.addRow("", self.send_original)

        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        self.plan_label.setToolTip("Which file each item sends")
        self.checks = QTreeWidget()
        self.checks.setHeaderLabels(["Pre-flight checks", ""])
        self.checks.setColumnCount(1)
        self.checks.setToolTip("Checked on this computer before any byte goes out")
        self.checks.setRootIsDecorated(False)
        self.summary = QLabel("Checking…")
        self.summary.setToolTip("Whether the upload can go")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.upload_button = buttons.addButton("Upload", QDialogButtonBox.ButtonRole.AcceptRole)
        self.upload_button.setToolTip("Send the items (each row shows its progress and the link)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Close without sending")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(form)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.checks, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.recheck)
        self.target.currentIndexChanged.connect(self._on_target_changed)
        self.caption.textChanged.connect(self._on_input_changed)
        self.recipient.textChanged.connect(self._on_input_changed)
        self.send_original.toggled.connect(self._on_input_changed)
        self.same_posts.currentIndexChanged.connect(self._on_input_changed)
        self.background_color.colorChanged.connect(self._on_input_changed)
        self.text_color.colorChanged.connect(self._on_input_changed)
        self.text_position.currentIndexChanged.connect(self._on_input_changed)
        self.text_size.valueChanged.connect(self._on_input_changed)
        self.post_background.colorChanged.connect(self._on_input_changed)
        self._on_target_changed()

    def _story_look_row(self) -> QWidget:
        from odnix_desktop.core.upload import StoryStyle

        default = StoryStyle()
        self.background_color = ColorButton(default.background_color, "Story background colour")
        self.background_color.setToolTip(
            "The story's background colour (behind the text and around the picture); click to choose"
        )
        self.text_color = ColorButton(default.text_color, "Story text colour")
        self.text_color.setToolTip("The colour of the story text; click to choose")
        self.text_position = QComboBox()
        for value, label in STORY_POSITIONS:
            self.text_position.addItem(label, value)
        self.text_position.setCurrentIndex(self.text_position.findData(default.text_position))
        self.text_position.setToolTip("Where the story text sits: top, centre or bottom")
        self.text_size = QSpinBox()
        self.text_size.setRange(4, 200)
        self.text_size.setValue(round(default.text_size))
        self.text_size.setToolTip("The size of the story text (4 to 200)")
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            ("Background", self.background_color),
            ("Text", self.text_color),
            ("Position", self.text_position),
            ("Size", self.text_size),
        ):
            name = QLabel(label)
            name.setBuddy(widget)
            name.setToolTip(widget.toolTip())
            row.addWidget(name)
            row.addWidget(widget)
            row.addSpacing(6)
        row.addStretch(1)
        return box

    # -- inputs ----------------------------------------------------------------
    def current_target(self):
        return self.target.currentData()

    def caption_text(self) -> str:
        return self.caption.toPlainText()

    def story_style(self):
        """The core's ``StoryStyle`` for a story (its text is the caption), else None."""
        if self.current_target() is not self.Target.STORY:
            return None
        from odnix_desktop.core.upload import StoryStyle

        return StoryStyle(
            text=self.caption_text().strip(),
            background_color=self.background_color.color(),
            text_color=self.text_color.color(),
            text_position=self.text_position.currentData(),
            text_size=float(self.text_size.value()),
        )

    @Slot()
    def _on_target_changed(self, *_args) -> None:
        t = self.current_target()
        T = self.Target
        self.recipient_label.setVisible(t is T.CHAT)
        self.recipient.setVisible(t is T.CHAT)
        self.form.setRowVisible(self.story_look, t is T.STORY)
        self.form.setRowVisible(self.one_time, t is T.CHAT)
        self.form.setRowVisible(self.post_background, t is T.POST)
        self.form.setRowVisible(self.same_posts, t is T.POST and len(self.items) > 1)
        self.caption_label.setText({T.STORY: "Story text", T.CHAT: "Message"}.get(t, "Caption"))
        no_text = t is T.PROFILE
        self.caption_label.setVisible(not no_text)
        self.caption.setVisible(not no_text)
        self.counter.setVisible(not no_text)
        self._on_input_changed()

    @Slot()
    def _on_input_changed(self, *_args) -> None:
        from odnix_desktop.core.upload.preflight import RULES

        limit = RULES[self.current_target()].text_limit
        n = len(self.caption_text().strip())
        self.counter.setText(f"{n} / {limit} characters")
        self.counter.setStyleSheet("color: #d03c32" if n > limit else "")
        self._checks_ok = False
        self.upload_button.setEnabled(False)
        self.summary.setText("Checking…")
        self._debounce.start()

    # -- checks ----------------------------------------------------------------
    @Slot()
    def recheck(self) -> None:
        """Plan the files, then run the pre-flight checks in a worker."""
        if self._job is not None:
            self.runner.cancel(self._job)
        target = self.current_target()
        self._plans = self.planner(target, self.send_original.isChecked())
        self._show_plans()
        self._want = next(self._serial)
        if self.current_target() is self.Target.PROFILE and self.caption.isHidden():
            caption = ""
        else:
            caption = self.caption_text()
        job = PreflightJob(
            self._want,
            target,
            self._plans,
            caption,
            self.history,
            self.server,
            self.user,
            style=self.story_style(),
            background=self.post_background.color(),
            same_posts=self.same_posts.currentData(),
        )
        job.signals.finished.connect(self._on_checked)
        job.signals.failed.connect(self._on_check_failed)
        self._job = job
        self.runner.start(job, priority=20)

    def _show_plans(self) -> None:
        lines = []
        by_id = {i.id: i for i in self.items}
        for plan in self._plans:
            item = by_id[plan.item_id]
            if plan.media is None:
                lines.append(f"{item.source.name}: {plan.why_recompress}")
            elif plan.media == item.source:
                size = text.human_bytes(item.before.bytes if item.before else None)
                lines.append(f"{item.source.name}: the original file ({size})")
            else:
                size = text.human_bytes(item.after.bytes) if item.after else ""
                lines.append(f"{item.source.name}: its compressed output {plan.media.name} ({size})")
        self.plan_label.setText("\n".join(lines))

    def is_checking(self) -> bool:
        return self._job is not None or self._debounce.isActive()

    @Slot(int, object)
    def _on_checked(self, key: int, results: dict) -> None:
        if key != self._want:
            return
        self._job = None
        self.checks.clear()
        by_id = {i.id: i for i in self.items}
        ok = True
        for plan in self._plans:
            checks = results.get(plan.item_id, ())
            parent = QTreeWidgetItem([by_id[plan.item_id].source.name])
            parent.setFirstColumnSpanned(True)
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            self.checks.addTopLevelItem(parent)
            for check in checks:
                mark, colour = OK_MARK if check.ok else BAD_MARK, _GOOD if check.ok else _BAD
                if check.name.startswith("odnix-"):  # what the server will do: a note, or a warning
                    warn = check.name.startswith("odnix-warning")
                    mark, colour = (WARN_MARK, _WARN) if warn else (NOTE_MARK, self.palette().text().color())
                row = QTreeWidgetItem(parent, [f"{mark} {check.message}"])
                row.setForeground(0, colour)
                row.setToolTip(0, f"{check.name}: {check.message}")
                ok = ok and check.ok
            if plan.media is None:
                QTreeWidgetItem(
                    parent, [f"{NOTE_MARK} the file is checked again after recompression, before it is sent"]
                )
            parent.setExpanded(True)
        problems = []
        if self.current_target() is self.Target.CHAT and not self.recipient.text().strip():
            problems.append("give the chat recipient's user name")
        self._checks_ok = ok and not problems
        if not ok:
            self.summary.setText("Fix the problems marked ✗ to upload.")
        elif problems:
            self.summary.setText("Before sending: " + "; ".join(problems) + ".")
        else:
            self.summary.setText(f"Ready to send {len(self._plans)} item{'s' if len(self._plans) != 1 else ''}.")
        self.upload_button.setEnabled(self._checks_ok)

    @Slot(int, str)
    def _on_check_failed(self, key: int, message: str) -> None:
        if key != self._want:
            return
        self._job = None
        self.checks.clear()
        self.summary.setText(f"The checks could not run: {message}")
        self.upload_button.setEnabled(False)

    def failures(self) -> list[str]:
        """The messages of the failed checks shown (for tests and screenshots)."""
        out = []
        for i in range(self.checks.topLevelItemCount()):
            top = self.checks.topLevelItem(i)
            children = [] if top is None else [top.child(j) for j in range(top.childCount())]
            for child in children:
                t = "" if child is None else child.text(0)
                if t.startswith(BAD_MARK):
                    out.append(t[2:])
        return out

    # -- result ------------------------------------------------------------------
    def request(self) -> UploadRequest:
        target = self.current_target()
        caption = "" if target is self.Target.PROFILE else self.caption_text().strip()
        return UploadRequest(
            target=target,
            caption=caption,
            recipient=self.recipient.text().strip() if target is self.Target.CHAT else "",
            send_original=self.send_original.isChecked(),
            story_style=self.story_style(),
            one_time=target is self.Target.CHAT and self.one_time.isChecked(),
            plans=list(self._plans),
            background=self.post_background.color(),
            same_posts=self.same_posts.currentData(),
        )

    @Slot()
    def _on_accept(self) -> None:
        if self._checks_ok and not self.is_checking():
            self.accept()

    def done(self, result: int) -> None:
        self._debounce.stop()
        if self._job is not None:
            self.runner.cancel(self._job)
            self._job = None
        super().done(result)
