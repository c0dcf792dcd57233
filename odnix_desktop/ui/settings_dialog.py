"""The settings dialog. It edits a copy: OK returns new settings, Cancel leaves the old ones."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from odnix_desktop.core.options import AUTO_TARGET
from odnix_desktop.core.settings import AFTER_BATCH_ACTIONS, FPS_CAPS, Settings, default_workers
from odnix_desktop.ui.output_choices import OutputChoices

#: The target slider's range (SSIMULACRA2); its default position means "auto".
TARGET_RANGE = (70, 90)
DEFAULT_TARGET = round(AUTO_TARGET)

AFTER_BATCH_TITLES = {"nothing": "Do nothing", "open-folder": "Open the output folder"}


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._original = settings  # never modified (frozen); the widgets hold the copy
        form = QFormLayout()

        self.outputs = OutputChoices(settings, form, self)  # where outputs go, the target size
        self.output = self.outputs.folder

        self.target = QSlider(Qt.Orientation.Horizontal)
        self.target.setRange(*TARGET_RANGE)
        self.target.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.target.setTickInterval(DEFAULT_TARGET - TARGET_RANGE[0])  # a tick marks the default
        self.target.setValue(DEFAULT_TARGET if settings.target == "auto" else int(settings.target))
        self.target.setToolTip(
            "How good each photo must look (SSIMULACRA2). The default finds, per photo, the smallest file "
            "that looks right; further right spends more bytes."
        )
        self.target_value = QLabel()
        self.target.valueChanged.connect(self._show_target)
        self._show_target(self.target.value())
        target_row = QHBoxLayout()
        target_row.addWidget(QLabel("smaller"))
        target_row.addWidget(self.target, 1)
        target_row.addWidget(QLabel("better"))
        target_row.addWidget(self.target_value)
        form.addRow("Quality", target_row)

        self.quality = QSpinBox()
        self.quality.setRange(0, 100)
        self.quality.setSpecialValueText("Off: per-photo target")
        self.quality.setValue(settings.quality or 0)
        self.quality.setToolTip("A fixed encoder quality, 1–100 (libjpeg scale), instead of the per-photo target.")
        form.addRow("Fixed quality", self.quality)

        self.max_dimension = QSpinBox()
        self.max_dimension.setRange(0, 16384)
        self.max_dimension.setSingleStep(64)
        self.max_dimension.setSpecialValueText("Preset's limit")
        self.max_dimension.setSuffix(" px")
        self.max_dimension.setValue(settings.max_dimension or 0)
        self.max_dimension.setToolTip("Longest side of photos, at most (0: the preset decides)")
        form.addRow("Max dimension", self.max_dimension)

        self.fps_cap = QComboBox()
        for fps in FPS_CAPS:
            self.fps_cap.addItem(f"{fps} fps", fps)
        self.fps_cap.setCurrentIndex(self.fps_cap.findData(settings.fps_cap))
        self.fps_cap.setToolTip("Clips with more frames per second are reduced to this")
        form.addRow("Video fps cap", self.fps_cap)

        self.keep_original = QCheckBox("Keep the original when compressing does not make it smaller")
        self.keep_original.setChecked(settings.keep_original_if_smaller)
        self.keep_original.setToolTip(
            "If the compressed file would be larger, write the original pixels (metadata removed) instead"
        )
        form.addRow("Keep original", self.keep_original)

        self.min_saving = QSpinBox()
        self.min_saving.setRange(0, 99)
        self.min_saving.setSuffix(" %")
        self.min_saving.setValue(round(settings.min_saving_percent))
        self.min_saving.setToolTip(
            "When compressing would save less than this and the original already meets the preset, "
            "the original is kept (metadata removed): no quality is lost for a small gain"
        )
        form.addRow("Minimum saving", self.min_saving)

        self.keep_dates = QCheckBox("Give each output its original's file date")
        self.keep_dates.setChecked(settings.keep_dates)
        self.keep_dates.setToolTip("Only the file system's date: no EXIF date or location is written into the file")
        form.addRow("File dates", self.keep_dates)

        self.keep_capture_date = QCheckBox("Keep a clip's capture date (creation_time tag only)")
        self.keep_capture_date.setChecked(settings.keep_capture_date)
        self.keep_capture_date.setToolTip("Never the location, device or encoder tags")
        form.addRow("Capture date", self.keep_capture_date)

        self.workers = QSpinBox()
        self.workers.setRange(0, 64)
        self.workers.setSpecialValueText(f"One per core ({default_workers()})")
        self.workers.setValue(settings.image_workers)
        self.workers.setToolTip("How many photos are compressed at once (clips always run one at a time)")
        form.addRow("Image workers", self.workers)

        self.after_batch = QComboBox()
        for action in AFTER_BATCH_ACTIONS:
            self.after_batch.addItem(AFTER_BATCH_TITLES[action], action)
        self.after_batch.setCurrentIndex(self.after_batch.findData(settings.after_batch))
        self.after_batch.setToolTip("What happens when the whole batch is done")
        form.addRow("After the batch", self.after_batch)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip("Save these settings")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Discard the changes")
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setToolTip("Put every field back to its default (not saved until OK)")
        defaults.clicked.connect(self._restore_defaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def _show_target(self, value: int) -> None:
        self.target_value.setText(f"{value} (default)" if value == DEFAULT_TARGET else str(value))

    def _restore_defaults(self) -> None:
        d = Settings(batch_preset=self._original.batch_preset)
        self.outputs.restore(d)
        self.target.setValue(DEFAULT_TARGET)
        self.quality.setValue(0)
        self.max_dimension.setValue(0)
        self.fps_cap.setCurrentIndex(self.fps_cap.findData(d.fps_cap))
        self.keep_original.setChecked(d.keep_original_if_smaller)
        self.workers.setValue(d.image_workers)
        self.min_saving.setValue(round(d.min_saving_percent))
        self.keep_dates.setChecked(d.keep_dates)
        self.keep_capture_date.setChecked(d.keep_capture_date)
        self.after_batch.setCurrentIndex(self.after_batch.findData(d.after_batch))

    def settings(self) -> Settings:
        """The settings as edited (a new object; the original is unchanged)."""
        return self._original.with_changes(
            **self.outputs.changes(),
            quality=self.quality.value() or None,
            target="auto" if self.target.value() == DEFAULT_TARGET else self.target.value(),
            max_dimension=max(16, self.max_dimension.value()) if self.max_dimension.value() else None,
            fps_cap=self.fps_cap.currentData(),
            keep_original_if_smaller=self.keep_original.isChecked(),
            image_workers=self.workers.value(),
            after_batch=self.after_batch.currentData(),
            min_saving_percent=float(self.min_saving.value()),
            keep_dates=self.keep_dates.isChecked(),
            keep_capture_date=self.keep_capture_date.isChecked(),
        )
