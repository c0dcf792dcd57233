"""Where outputs go and how big they may be: the settings dialog's rows for them, and the
row menu's target sizes. Behind them are the CLI's ``--output`` / ``--beside-originals`` and
``--max-bytes``."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from odnix_desktop.core.options import DEFAULT_SUFFIX, check_suffix
from odnix_desktop.core.settings import Settings
from odnix_desktop.core.units import human_bytes

MODE_TITLES = (
    ("folder", "Into the output folder (the originals' subfolders kept)"),
    ("beside", "Beside each original, with a suffix (photo.odnix.jpg)"),
)
#: The row menu's target sizes (bytes); None: the settings' (or none).
ROW_SIZES: tuple[int | None, ...] = (None, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000)


def size_words(size: int | None) -> str:
    return "As in Settings" if size is None else f"At most {human_bytes(size)}"


class OutputChoices:
    """Adds the rows to ``form``: where outputs go, the folder, the suffix, the target size."""

    def __init__(self, settings: Settings, form: QFormLayout, parent: QWidget) -> None:
        self.parent = parent
        self.mode = QComboBox()
        for value, title in MODE_TITLES:
            self.mode.addItem(title, value)
        self.mode.setCurrentIndex(self.mode.findData(settings.output_mode))
        self.mode.setToolTip("Where compressed files are written. Originals are never overwritten, in any mode.")
        form.addRow("Outputs go", self.mode)

        self.folder = QLineEdit(str(settings.output_path))
        self.folder.setToolTip("Compressed files are written here (never over the originals)")
        self.browse = QPushButton("Browse…")
        self.browse.setToolTip("Choose the output folder")
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        form.addRow("Output folder", row)

        self.suffix = QLineEdit(settings.output_suffix)
        self.suffix.setPlaceholderText(DEFAULT_SUFFIX)
        self.suffix.setToolTip("Added to the name of an output written beside its original: photo.odnix.jpg")
        form.addRow("Suffix", self.suffix)

        self.max_kb = QSpinBox()
        self.max_kb.setRange(0, 500_000)
        self.max_kb.setSingleStep(50)
        self.max_kb.setSuffix(" KB")
        self.max_kb.setSpecialValueText("No limit")
        self.max_kb.setValue((settings.max_bytes or 0) // 1000)
        self.max_kb.setToolTip("Each output at most this big (photos: quality and size lowered until it fits)")
        form.addRow("Target file size", self.max_kb)
        self.mode.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self, *_args: object) -> None:
        beside = self.mode.currentData() == "beside"
        self.folder.setEnabled(not beside)
        self.browse.setEnabled(not beside)
        self.suffix.setEnabled(beside)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parent, "Output folder", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def restore(self, d: Settings) -> None:
        self.mode.setCurrentIndex(self.mode.findData(d.output_mode))
        self.folder.setText(str(d.output_path))
        self.suffix.setText(d.output_suffix)
        self.max_kb.setValue(0)

    def changes(self) -> dict[str, object]:
        """The settings' fields as edited (a bad suffix falls back to the default)."""
        suffix = self.suffix.text().strip() or DEFAULT_SUFFIX
        try:
            check_suffix(suffix)
        except ValueError:
            suffix = DEFAULT_SUFFIX
        return {
            "output_folder": self.folder.text().strip(),
            "output_mode": self.mode.currentData(),
            "output_suffix": suffix,
            "max_bytes": self.max_kb.value() * 1000 or None,
        }
