"""Picking up the stored login: the token from the keyring, checked online. The command line
and the window both start from here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from odnix_desktop.core.errors import OdnixError
from odnix_desktop.core.progress import CancelToken
from odnix_desktop.core.upload.credentials import Account, TokenStore
from odnix_desktop.core.upload.errors import LoginRequiredError
from odnix_desktop.core.upload.session import Session, restore, verify
from odnix_desktop.core.upload.transport import HttpSettings

log = logging.getLogger(__name__)

#: The note of a stored token that the server refused (it is forgotten).
NO_LONGER_VALID = "the stored login is no longer valid: log in again"


@dataclass(frozen=True, slots=True)
class Resumed:
    """``session`` is None when no usable token is stored; ``note`` says why, or what is unsure."""

    session: Session | None
    note: str = ""


def resume(
    account: Account,
    store: TokenStore,
    settings: HttpSettings | None = None,
    *,
    offline_ok: bool = True,
    cancel: CancelToken | None = None,
) -> Resumed:
    """The stored session of ``account``, checked with ``verify``. A token the server refuses is
    forgotten. When the check itself fails (offline, a 5xx), the session is kept with a note if
    ``offline_ok``, else the error goes up. An unusable stored address raises its error."""
    session = restore(account, store, settings)
    if session is None:
        return Resumed(None)
    try:
        verify(session, cancel=cancel)
    except LoginRequiredError:
        log.warning("the stored login for %s on %s is no longer valid", account.user, account.server)
        store.forget(account.server, account.user)
        return Resumed(None, NO_LONGER_VALID)
    except OdnixError as exc:
        if not offline_ok:
            raise
        return Resumed(session, f"could not check the login ({exc})")
    return Resumed(session)
