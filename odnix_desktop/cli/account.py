"""``odnix-compress login | logout``: the account of the upload commands.

Each ``*_main`` takes the arguments after the subcommand and returns the exit status.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from odnix_desktop.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_verbose, configure_logging, err
from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.upload import (
    Account,
    HttpSettings,
    ServerAddress,
    Session,
    TokenStore,
    UploadError,
    load_account,
    login,
    logout,
    remember,
)
from odnix_desktop.core.upload.resume import resume

log = logging.getLogger("odnix_desktop.cli")

PASSWORD_ENV = "ODNIX_PASSWORD"


def password_from_user(prompt: str) -> str | None:
    """$ODNIX_PASSWORD for scripts, else a prompt on a terminal, else None."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(prompt)


def address(server: str, allow_insecure: bool) -> ServerAddress:
    return ServerAddress.parse(server, allow_insecure_http=allow_insecure)


class NotLoggedIn(Exception):  # noqa: N818 - a CLI outcome, not a core error
    pass


@dataclass
class SessionSource:
    """The session for an upload run: the stored token, else a login with $ODNIX_PASSWORD."""

    server: ServerAddress
    user: str
    store: TokenStore
    settings: HttpSettings
    session: Session | None = None

    def get(self) -> Session:
        if self.session is None:
            account = Account(self.server.url, self.user, self.server.allow_insecure_http)
            resumed = resume(account, self.store, self.settings, offline_ok=False)
            self.session = resumed.session or self._password_login()
        return self.session

    def renew(self) -> Session:
        """After a 401 mid-run: forget the token and log in with the password, if there is one."""
        self.store.forget(self.server.url, self.user)
        self.session = self._password_login()
        return self.session

    def _password_login(self) -> Session:
        password = os.environ.get(PASSWORD_ENV)
        if not password:
            raise NotLoggedIn(
                f"not logged in to {self.server.url} as {self.user}: run "
                f"'odnix-compress login --server {self.server.url} --user {self.user}', "
                f"or set {PASSWORD_ENV} (scripts, CI, no keyring)"
            )
        return login(self.server, self.user, password, settings=self.settings)


def login_main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(
        prog="odnix-compress login",
        description="Log in to an Odnix server. The password is read from a "
        f"prompt, or from ${PASSWORD_ENV} for scripts. The login token goes to "
        "the system keyring (never to a file).",
    )
    p.add_argument("--server", required=True, help="the Odnix server, e.g. https://odnix.example")
    p.add_argument("--user", required=True, help="your user name on that server")
    p.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// to a host other than this computer",
    )
    add_verbose(p)
    args = p.parse_args(argv)
    configure_logging(args.verbose)
    try:
        server = address(args.server, args.allow_insecure_http)
    except UploadError as exc:
        err(str(exc))
        return EXIT_USAGE
    password = password_from_user(f"Password for {args.user} on {server.url}: ")
    if not password:
        err(f"no password: type it at the prompt (run in a terminal) or set {PASSWORD_ENV}")
        return EXIT_USAGE
    try:
        session = login(server, args.user, password)
    except OdnixError as exc:
        err(str(exc))
        return EXIT_FAILED
    store = TokenStore()
    persisted = remember(session, store)
    sys.stdout.write(f"Logged in to {server.url} as {session.username}.\n")
    if not persisted:
        sys.stdout.write(
            f"The login token could NOT be stored: {store.unavailable_reason}. "
            "It was kept in memory "
            "only and is gone now that this command ends. For uploads, pass --user and set "
            f"{PASSWORD_ENV}; 'upload' then logs in by itself.\n"
        )
    return EXIT_OK


def logout_main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="odnix-compress logout", description="Forget the stored login token and account.")
    p.add_argument("--server", help="the server to log out of (default: the current account)")
    p.add_argument("--user", help="the user to log out (default: the current account)")
    add_verbose(p)
    args = p.parse_args(argv)
    configure_logging(args.verbose)
    account = load_account()
    if args.server or args.user:
        try:
            url = address(args.server, True).url if args.server else (account.server if account else "")
        except UploadError as exc:
            err(str(exc))
            return EXIT_USAGE
        user = args.user or (account.user if account else "")
        if not url or not user:
            err("give both --server and --user (no current account is known)")
            return EXIT_USAGE
        account = Account(url, user)
    if account is None:
        sys.stdout.write("Not logged in.\n")
        return EXIT_OK
    logout(account, TokenStore())
    sys.stdout.write(f"Logged out of {account.server} ({account.user}).\n")
    return EXIT_OK
