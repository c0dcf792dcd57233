"""Logging in to an Odnix server: ``POST /api/login/`` (JSON), then ``Authorization: Token K``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from odnix_desktop.core.progress import CancelToken
from odnix_desktop.core.upload.answers import LinkPolicy, login_answer, verified_identity
from odnix_desktop.core.upload.credentials import Account, TokenStore, forget_account, save_account
from odnix_desktop.core.upload.errors import LoginFailedError
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
    #: The host that serves the server's media, when it is not the server itself (a CDN).
    media_host: str | None = None

    def http(self) -> OdnixHttp:
        return OdnixHttp(self.server, self.token, self.settings)

    @property
    def links(self) -> LinkPolicy:
        """Which links from this server are kept (http/https on its host or media host)."""
        return LinkPolicy(self.server, self.media_host)

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
    parsed = login_answer(answer)
    user = parsed.user
    log.info("logged in to %s as %s", server.url, user.username if user else username)
    return Session(
        server,
        user.username if user else username,
        parsed.token,
        user.user_id if user else None,
        settings,
    )


def verify(session: Session, *, cancel: CancelToken | None = None) -> Session:
    """Check the token with ``GET /api/verify-token/``; 401 raises :class:`LoginRequiredError`."""
    answer = session.http().send(
        Request("GET", "/api/verify-token/", "the login check", idempotent=True), cancel=cancel
    )
    verified_identity(answer)
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
