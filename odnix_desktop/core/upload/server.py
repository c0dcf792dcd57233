"""The address of an Odnix server, and the rule for sending secrets to it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from odnix_desktop.core.upload.errors import InsecureServerError, ServerAddressError

#: Hosts that are this computer: plain http:// to them never leaves the machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """A normalised server base URL such as ``https://odnix.example`` (no trailing slash).

    Build it with :meth:`parse`, which refuses plain ``http://`` to another computer unless
    ``allow_insecure_http`` is set: a token or password sent that way can be read on the way.
    """

    url: str
    allow_insecure_http: bool = False

    @classmethod
    def parse(cls, text: str, *, allow_insecure_http: bool = False) -> ServerAddress:
        raw = text.strip()
        if not raw:
            raise ServerAddressError("no server address was given")
        if "://" not in raw:
            raw = "https://" + raw
        parts = urlsplit(raw)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise ServerAddressError(f"the server address must start with https:// (not {parts.scheme}://)")
        if not parts.hostname:
            raise ServerAddressError(f"{text!r} has no host name")
        if parts.username or parts.password:
            raise ServerAddressError("put the user name and password in the login form, not in the server address")
        if parts.query or parts.fragment:
            raise ServerAddressError("the server address must not contain '?' or '#'")
        try:
            port = parts.port
        except ValueError:
            raise ServerAddressError(f"{text!r} has an invalid port") from None
        host = parts.hostname.lower()
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        url = urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))
        address = cls(url=url, allow_insecure_http=allow_insecure_http)
        address.check_secrets_allowed()
        return address

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def is_local(self) -> bool:
        host = self.host
        if host in LOCAL_HOSTS:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback and host.startswith("127.")
        except ValueError:
            return False

    @property
    def is_plain_http(self) -> bool:
        return self.url.startswith("http://")

    def check_secrets_allowed(self) -> None:
        """Raise :class:`InsecureServerError` if a token or password must not go to this address."""
        if self.is_plain_http and not self.is_local and not self.allow_insecure_http:
            raise InsecureServerError(
                f"{self.url} uses plain http://, so your password and login token could be read "
                "on the network. Use https://, or allow insecure http explicitly "
                "(--allow-insecure-http)."
            )

    def endpoint(self, path: str) -> str:
        """``/api/login/`` -> ``https://host/api/login/`` (keeps a base path such as ``/odnix``)."""
        return self.url + "/" + path.lstrip("/")

    def absolute(self, url: str | None) -> str | None:
        """Join a relative URL from an answer (``/media/...``) with the server."""
        if not url:
            return None
        return urljoin(self.url + "/", url)
