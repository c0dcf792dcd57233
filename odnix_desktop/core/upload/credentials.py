"""Where login tokens live: the system keyring, or this process's memory only.

A token is never written to a file by this module and never logged. Where no keyring backend
exists (a server, CI, a minimal desktop) the store says so (:attr:`TokenStore.unavailable_reason`)
and keeps the token in memory for the life of the process. Backends that would write the token
to disk in plain text (``keyrings.alt``'s ``PlaintextKeyring``) are refused as if absent.

The current account (server URL and user name, no secret) is kept in ``account.json`` in the
config folder so that later commands know where to upload.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors

from odnix_desktop.core.upload.answers import valid_username
from odnix_desktop.core.upload.server import ServerAddress
from odnix_desktop.core.userdirs import config_dir

log = logging.getLogger(__name__)

SERVICE_PREFIX = "odnix-desktop"
ACCOUNT_FILE = "account.json"

#: Backends that exist but would keep the token in a readable file, or nowhere at all.
_REFUSED_BACKENDS = {
    "keyrings.alt.file.PlaintextKeyring": "it stores passwords in a plain-text file",
    "keyring.backends.null.Keyring": "it is the 'null' backend, which stores nothing",
}


def _why_unusable(backend: keyring.backend.KeyringBackend) -> str | None:
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if name in _REFUSED_BACKENDS:
        return f"the keyring backend {name} is not used: {_REFUSED_BACKENDS[name]}"
    if name == "keyring.backends.fail.Keyring":
        return "no system keyring was found (no Secret Service, KWallet, macOS Keychain or Windows Credential Locker)"
    try:
        priority = float(backend.priority)  # type: ignore[arg-type]
    except (TypeError, ValueError, AttributeError):
        priority = 1.0
    if priority <= 0:
        return f"the keyring backend {name} is not usable (priority {priority:g})"
    return None


class TokenStore:
    """Login tokens by (server URL, user name).

    ``save`` returns whether the token will outlive this process. All errors of the keyring
    are turned into "memory only" with a warning that names the cause, never the token.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._memory: dict[tuple[str, str], str] = {}
        self.unavailable_reason: str | None = _why_unusable(self._backend)

    @property
    def persistent(self) -> bool:
        return self.unavailable_reason is None

    @staticmethod
    def _service(server_url: str) -> str:
        return f"{SERVICE_PREFIX}:{server_url}"

    def save(self, server_url: str, user: str, token: str) -> bool:
        self._memory[(server_url, user)] = token
        if not self.persistent:
            log.warning("login token kept in memory only: %s", self.unavailable_reason)
            return False
        try:
            self._backend.set_password(self._service(server_url), user, token)
        except Exception as exc:  # noqa: BLE001 - backends leak D-Bus/OS errors of every kind
            self.unavailable_reason = f"the system keyring refused to store the token ({type(exc).__name__})"
            log.warning("login token kept in memory only: %s", self.unavailable_reason)
            return False
        return True

    def load(self, server_url: str, user: str) -> str | None:
        token = self._memory.get((server_url, user))
        if token or not self.persistent:
            return token
        try:
            return self._backend.get_password(self._service(server_url), user)
        except Exception as exc:  # noqa: BLE001 - see save()
            log.warning("could not read the login token from the system keyring (%s)", type(exc).__name__)
            return None

    def forget(self, server_url: str, user: str) -> None:
        self._memory.pop((server_url, user), None)
        if not self.persistent:
            return
        try:
            self._backend.delete_password(self._service(server_url), user)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored
        except Exception as exc:  # noqa: BLE001 - see save()
            log.warning("could not remove the login token from the system keyring (%s)", type(exc).__name__)


@dataclass(frozen=True, slots=True)
class Account:
    """The account last logged in to: where and who. Holds no secret."""

    server: str
    user: str
    allow_insecure_http: bool = False

    def address(self) -> ServerAddress:
        return ServerAddress.parse(self.server, allow_insecure_http=self.allow_insecure_http)

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "user": self.user,
            "allow_insecure_http": self.allow_insecure_http,
        }


def account_path() -> Path:
    return config_dir() / ACCOUNT_FILE


def load_account() -> Account | None:
    path = account_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        server, user, insecure = data["server"], data["user"], data.get("allow_insecure_http", False)
        if not isinstance(server, str) or len(server) > 2048 or not isinstance(insecure, bool):
            raise ValueError("the server address or its http setting is not of the right type")
        if valid_username(user) is None:
            raise ValueError("the user name is not one a server could have")
        return Account(server=server, user=user, allow_insecure_http=insecure)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable %s (%s)", path, exc)
        return None


def save_account(account: Account) -> None:
    path = account_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".account-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(account.to_json(), fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def forget_account() -> None:
    account_path().unlink(missing_ok=True)
