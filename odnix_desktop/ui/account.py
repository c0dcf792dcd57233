"""The Odnix account: who is logged in (a compact panel in the toolbar), the login dialog, and
the GUI-thread object that runs the login, restore and logout jobs.

The password is typed into the dialog, handed to one login job and cleared from the field;
it is never stored. The token goes to the system keyring through the core's ``TokenStore``,
or stays in memory when there is no keyring (the panel and the dialog say so).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from odnix_desktop.jobs.base import Job
from odnix_desktop.jobs.runner import JobRunner
from odnix_desktop.jobs.upload import AccountState, LoginJob, LogoutJob, RestoreJob
from odnix_desktop.ui.text import plain_tooltip

if TYPE_CHECKING:
    from odnix_desktop.core.upload import HttpSettings, Session, TokenStore

log = logging.getLogger(__name__)


def plain_label(text: str = "") -> QLabel:
    """A label that shows its text as it is: server messages and names are never rich text."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def keyring_sentence(problem: str | None) -> str:
    if problem is None:
        return "Your login is kept in the system keyring; the password is never stored."
    return (
        f"No usable system keyring: {problem}. You stay logged in until Odnix Desktop closes; "
        "the login is not saved anywhere, and the password is never stored."
    )


class AccountController(QObject):
    """The account's state on the GUI thread. Emits ``changed`` after each job."""

    changed = Signal()
    #: A login finished: (ok, message for a person).
    loginFinished = Signal(bool, str)

    def __init__(
        self,
        runner: JobRunner,
        store: TokenStore | None = None,
        http_settings: HttpSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.store = store  # core.upload.TokenStore; made by the restore job when None
        self.http_settings = http_settings
        self.state: AccountState | None = None
        self.busy = False
        self._jobs: dict[int, Job] = {}
        self._keys = 0
        self.last_typed: tuple[str, str] = ("", "")  # server and user name of the last login tried

    # -- state -----------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return self.state.session if self.state else None

    @property
    def logged_in(self) -> bool:
        return self.session is not None

    @property
    def keyring_problem(self) -> str | None:
        if self.state is not None:
            return self.state.keyring_problem
        return None if self.store is None else self.store.unavailable_reason

    def summary(self) -> str:
        if self.busy and self.state is None:
            return "Checking login…"
        if self.session is not None:
            return f"{self.session.username} @ {self.session.server.url}"
        return "Not logged in"

    def details(self) -> str:
        lines = [self.summary()]
        if self.state is not None and self.state.note:
            lines.append(self.state.note)
        if self.state is not None or self.store is not None:
            lines.append(keyring_sentence(self.keyring_problem))
        return "\n".join(lines)

    # -- jobs ------------------------------------------------------------------
    def _start(self, job) -> None:
        self._keys += 1
        job.key = self._keys
        job.signals.finished.connect(self._on_finished)
        job.signals.failed.connect(self._on_failed)
        job.signals.cancelled.connect(self._on_cancelled)
        self._jobs[job.key] = job
        self.busy = True
        self.runner.start(job, priority=5)
        self.changed.emit()

    def restore(self) -> None:
        """Read the last account and its token (keyring access and a check, off the GUI thread)."""
        self._start(RestoreJob(0, self.store, self.http_settings))

    def login(self, server: str, user: str, password: str, allow_insecure_http: bool = False) -> None:
        self.last_typed = (server, user)  # offered again by the next login dialog, even if this fails
        if self.store is None:
            from odnix_desktop.core.upload import TokenStore

            self.store = TokenStore()
        self._start(
            LoginJob(
                0,
                self.store,
                server,
                user,
                password,
                allow_insecure_http=allow_insecure_http,
                settings=self.http_settings,
            )
        )

    def logout(self) -> None:
        session, store = self.session, self.store
        if session is None or store is None:  # a session always comes with its store
            return
        self._start(LogoutJob(0, store, session.server.url, session.username))

    def pending(self) -> int:
        return len(self._jobs)

    def expire(self, session: Session | None, note: str) -> bool:
        """The server refused ``session``'s token (a 401): logged out, keeping the server and
        user to log in again. False when that session is no longer the current one (already
        expired, or replaced by a new login). The keyring entry is left: the next login
        overwrites it, and the next start's check forgets it if it is still refused."""
        if session is None or self.state is None or self.state.session is not session:
            return False
        self.state = replace(self.state, session=None, note=note)
        log.info("login refused by %s: logged out", self.state.server)
        self.changed.emit()
        return True

    @Slot(int, object)
    def _on_finished(self, key: int, state: AccountState) -> None:
        job = self._jobs.pop(key, None)
        self.busy = bool(self._jobs)
        self.store = state.store
        self.state = state
        if isinstance(job, LoginJob):
            self.loginFinished.emit(True, f"Logged in as {state.user}")
        self.changed.emit()

    @Slot(int, str)
    def _on_failed(self, key: int, message: str) -> None:
        job = self._jobs.pop(key, None)
        self.busy = bool(self._jobs)
        if isinstance(job, LoginJob):
            self.loginFinished.emit(False, message)
        else:
            log.warning("account: %s", message)
        self.changed.emit()

    @Slot(int)
    def _on_cancelled(self, key: int) -> None:
        job = self._jobs.pop(key, None)
        self.busy = bool(self._jobs)
        if isinstance(job, LoginJob):
            self.loginFinished.emit(False, "Cancelled")
        self.changed.emit()


class AccountWidget(QWidget):
    """Server and user, or "Not logged in", with a Log in / Log out button and History."""

    loginRequested = Signal()
    logoutRequested = Signal()
    historyRequested = Signal()

    def __init__(self, account: AccountController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.label = plain_label()
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton()
        self.button.clicked.connect(self._on_button)
        self.history_button = QPushButton("History")
        self.history_button.setToolTip("Every upload sent from this computer, newest first")
        self.history_button.clicked.connect(self.historyRequested)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 4, 0)
        row.addWidget(QLabel("Odnix:"))
        row.addWidget(self.label)
        row.addWidget(self.button)
        row.addWidget(self.history_button)
        account.changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        a = self.account
        self.label.setText(a.summary())
        self.label.setToolTip(plain_tooltip(a.details()))
        self.setToolTip(plain_tooltip(a.details()))
        if a.logged_in:
            self.button.setText("Log out")
            self.button.setToolTip("Forget the login on this computer (the keyring entry too)")
        else:
            self.button.setText("Log in…")
            self.button.setToolTip("Log in to an Odnix server to upload; export needs no account")
        self.button.setEnabled(not a.busy)

    @Slot()
    def _on_button(self) -> None:
        if self.account.logged_in:
            self.logoutRequested.emit()
        else:
            self.loginRequested.emit()


class LoginDialog(QDialog):
    """Server URL, user name and password. Stays open (with the error) until the login works."""

    def __init__(
        self,
        account: AccountController,
        parent: QWidget | None = None,
        server: str = "",
        user: str = "",
        reason: str = "",
    ) -> None:
        super().__init__(parent)
        self.account = account
        self.setWindowTitle("Log in to Odnix")
        self.setMinimumWidth(480)
        self.reason = plain_label(reason)
        self.reason.setWordWrap(True)
        self.reason.setToolTip("Why you are asked to log in")
        self.reason.setVisible(bool(reason))
        form = QFormLayout()
        self.server = QLineEdit(server)
        self.server.setPlaceholderText("https://odnix.example")
        self.server.setToolTip("The address of the Odnix server")
        form.addRow("Server", self.server)
        self.user = QLineEdit(user)
        self.user.setToolTip("Your user name on that server")
        form.addRow("User name", self.user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setToolTip("Sent once to log in; never stored")
        form.addRow("Password", self.password)
        self.insecure = QCheckBox("Allow plain http:// to another computer (the password could be read)")
        self.insecure.setToolTip("Only for a test server on your network; https:// is always preferred")
        form.addRow("", self.insecure)

        self.keyring_note = plain_label(keyring_sentence(account.keyring_problem))
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setToolTip("Where the login token is kept")
        self.error = plain_label()  # the server's words: "<b>" stays "<b>"
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d03c32")
        self.error.setToolTip("Why the last attempt failed")
        self.error.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.login_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.login_button.setText("Log in")
        self.login_button.setToolTip("Log in and keep the token (not the password)")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip("Close without logging in")
        cancel.setAutoDefault(False)  # Enter anywhere in the dialog logs in, never cancels
        self.login_button.setAutoDefault(True)
        self.login_button.setDefault(True)
        for widget, name in ((self.server, "Server"), (self.user, "User name"), (self.password, "Password")):
            widget.setAccessibleName(name)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addLayout(form)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        account.loginFinished.connect(self._on_login_finished)
        account.changed.connect(self._on_account_changed)
        (self.password if server and user else self.server).setFocus()

    @Slot()
    def submit(self) -> None:
        server, user, password = self.server.text().strip(), self.user.text().strip(), self.password.text()
        if not server or not user or not password:
            self.show_error("Fill in the server, the user name and the password.")
            return
        self.password.clear()  # the job holds it until the request is built, then drops it
        self.error.hide()
        self._set_busy(True)
        self.account.login(server, user, password, self.insecure.isChecked())

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.login_button.setDefault(True)  # after Qt's own choice on show

    def _set_busy(self, busy: bool) -> None:
        self.login_button.setEnabled(not busy)
        self.login_button.setText("Logging in…" if busy else "Log in")

    @Slot()
    def _on_account_changed(self) -> None:
        self.keyring_note.setText(keyring_sentence(self.account.keyring_problem))

    @Slot(bool, str)
    def _on_login_finished(self, ok: bool, message: str) -> None:
        self._set_busy(False)
        if ok:
            self.accept()
        else:
            self.show_error(message)
            self.password.setFocus()
