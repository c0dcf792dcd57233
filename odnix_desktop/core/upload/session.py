"""Logging in to an Odnix server: ``POST /api/login/`` (JSON), then ``Authorization: Token K``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from odnix_desktop.core.progress import CancelToken
from odnix_desktop.core.upload.credentials import Account, TokenStore, forget_account, save_account
from odnix_desktop.core.upload.errors import LoginFailedError, ServerError
from odnix_desktop.core.upload.server import ServerAddress
from odnix_desktop.core.upload.transport import HttpSettings, OdnixHttp, Request

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in user on one server. ``repr`` never shows the token."""

    server: ServerAddress
    username: str
    token: str = field(repr=False)
    user_id: int | None = None
    settings: HttpSettings = field(default_factory=HttpSettings, repr=False, compare=False)

    def http(self) -> OdnixHttp:
        return OdnixHttp(self.server, self.token, self.settings)

    @property
    def account(self) -> Account:
        return Account(self.server.url, self.username, self.server.allow_insecure_http)


def login(
    server: ServerAddress,
    username: str,
    password: str,
    *,
    settings: HttpSettings | None = None,
    cancel: CancelToken | None = None,
) -> Session:
    """Log in; raises :class:`LoginFailedError` for a wrong user name or password.

    No ``Authorization`` header goes to ``/api/login/`` (a stale one makes it fail).
    """
    settings = settings or HttpSettings()
    if not username or not password:
        raise LoginFailedError("a user name and a password are needed to log in")
    answer = OdnixHttp(server, None, settings).send(
        Request(
            "POST",
            "/api/login/",
            "the login",
            json_body={"username": username, "password": password},
            idempotent=True,
            authenticated=False,
        ),
        cancel=cancel,
    )
    if answer.status in (400, 401, 403) or (answer.status < 300 and answer.data.get("success") is False):
        raise LoginFailedError(f"login refused: {answer.server_message() or 'wrong user name or password'}")
    answer.raise_for_failure("the login")
    token = answer.data.get("token") or answer.data.get("auth_token")
    if not isinstance(token, str) or not token:
        raise ServerError("the server accepted the login but sent no token")
    user = answer.data.get("user") or {}
    user_id = user.get("id") if isinstance(user, dict) else None
    name = user.get("username") if isinstance(user, dict) else None
    log.info("logged in to %s as %s", server.url, name or username)
    return Session(
        server,
        str(name or username),
        token,
        user_id if isinstance(user_id, int) else None,
        settings,
    )


def verify(session: Session, *, cancel: CancelToken | None = None) -> Session:
    """Check the token with ``GET /api/verify-token/``; 401 raises :class:`LoginRequiredError`."""
    answer = session.http().send(
        Request("GET", "/api/verify-token/", "the login check", idempotent=True), cancel=cancel
    )
    answer.raise_for_failure("the login check")
    return session


def remember(session: Session, store: TokenStore) -> bool:
    """Keep the token (keyring, else memory) and the account; True if it outlives the process."""
    save_account(session.account)
    return store.save(session.server.url, session.username, session.token)


def restore(account: Account, store: TokenStore, settings: HttpSettings | None = None) -> Session | None:
    """The stored session of ``account``, or None when no token is stored (not checked online)."""
    token = store.load(account.server, account.user)
    if not token:
        return None
    return Session(account.address(), account.user, token, None, settings or HttpSettings())


def logout(account: Account, store: TokenStore) -> None:
    """Forget the token and the account. The server keeps no session to end (tokens are static)."""
    store.forget(account.server, account.user)
    forget_account()
    log.info("logged out of %s", account.server)
