"""Who may use the web app: token, Host allow-list, same-origin writes, headers.

One ASGI middleware, :class:`Guard`, runs before any route:

1. ``Host`` must be an IP literal, a loopback name, the bound host or an
   allowed name: a DNS-rebinding page (served from ``evil.example`` that
   later resolves to 127.0.0.1) sends ``Host: evil.example`` and is refused.
2. With a token, every request (pages, API, reports, schema) must carry it:
   ``X-Gigaplan-Token``, ``Authorization: Bearer``, or the ``gigaplan_token``
   cookie. A GET with ``?token=`` sets that cookie (HttpOnly, SameSite=Strict)
   and redirects to the same address without it, so the token leaves the
   address bar and history.
3. A request that changes state (POST, PUT, PATCH, DELETE) and does not carry
   the token in a header must come from the app's own origin: a browser
   sends ``Sec-Fetch-Site`` or ``Origin`` on every cross-site write, and a
   page on another origin cannot set custom headers without a CORS preflight
   that this app never grants. Clients that send neither (curl, scripts) are
   not browsers and cannot be tricked into a cross-site request. This is the
   rule of Go's ``net/http.CrossOriginProtection`` (Go 1.25).
4. Every response gets a Content-Security-Policy, ``X-Frame-Options``,
   ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.

:class:`BodyLimit` answers 413 to request bodies over a size limit, counted
from ``Content-Length`` and again as the body streams in.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_HEADER = "X-Gigaplan-Token"
TOKEN_COOKIE = "gigaplan_token"
TOKEN_QUERY = "token"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: The inline plotly report needs inline scripts and styles (``'unsafe-inline'``);
#: everything else is held to this origin: no remote script, no exfiltration
#: by ``fetch`` (``connect-src``), no plugins, no ``<base>`` rewrite, forms
#: post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``).

    Parameters
    ----------
    host : str
        A host name or IP address (IPv6 may be bracketed).

    Returns
    -------
    bool
        True for ``localhost``-type names and loopback addresses.
    """
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name or address of a ``Host`` header, without port or brackets.

    Parameters
    ----------
    header : str
        A ``Host`` header value.

    Returns
    -------
    str
        Lower-case name or address.

    Examples
    --------
    >>> host_name("[::1]:8000"), host_name("Example.org:80"), host_name("10.0.0.1")
    ('::1', 'example.org', '10.0.0.1')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header


def host_allowed(name: str, allowed: frozenset[str]) -> bool:
    """Whether a ``Host`` name may reach the app: an IP literal, loopback or listed.

    Parameters
    ----------
    name : str
        As :func:`host_name` gives it.
    allowed : frozenset of str
        Names listed with ``--allowed-host`` and the bound host.

    Returns
    -------
    bool
        True when the request may be served.
    """
    if is_loopback(name) or name in allowed:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True  # an address, not a name: no DNS to rebind


@dataclass(frozen=True)
class Access:
    """The rules :class:`Guard` applies.

    Parameters
    ----------
    token : str, optional
        Secret every request must carry; None on loopback without a token.
    allowed_hosts : frozenset of str
        Host names accepted besides IP literals and loopback names (the bound
        host and any the operator adds).
    """

    token: str | None
    allowed_hosts: frozenset[str]


class _HttpMiddleware:
    """ASGI middleware that passes every non-HTTP message (lifespan) through."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request."""
        raise NotImplementedError


class Guard(_HttpMiddleware):
    """ASGI middleware applying :class:`Access` to every HTTP request."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app, self.access = app, access

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request, or pass it on with the security headers.

        Parameters
        ----------
        scope : Scope
            The ASGI scope of an HTTP request.
        receive, send : callable
            The ASGI channels; ``send`` is wrapped to add the headers.
        """
        headers = _headers(scope)
        path = str(scope.get("path", ""))
        send = _with_security_headers(send, framable=_is_report_page(path))
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> ASGIApp | None:
        """The response that refuses this request, or None to let it through."""
        name = host_name(headers.get("host", ""))
        if not host_allowed(name, self.access.allowed_hosts):
            return _json(
                400,
                "host",
                f"Host {name!r} is not served here; start the server with "
                "--allow-host for a name other than its address",
            )
        method = str(scope.get("method", "GET")).upper()
        in_header = self._header_token(headers)
        if self.access.token is not None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            if method == "GET" and TOKEN_QUERY in query:
                return self._login(scope, query)
            cookie = SimpleCookie(headers.get("cookie", ""))
            in_cookie = cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else ""
            if not (self._matches(in_header) or self._matches(in_cookie)):
                return _json(
                    401,
                    "token",
                    f"missing or wrong token: send {TOKEN_HEADER} or "
                    "'Authorization: Bearer', or open a page once with ?token=",
                )
        header_ok = self.access.token is not None and self._matches(in_header)
        if method in UNSAFE_METHODS and not header_ok and _cross_site(headers):
            return _json(
                403,
                "origin",
                "a request that changes data must come from this server's own "
                f"pages or carry {TOKEN_HEADER}",
            )
        return None

    def _header_token(self, headers: dict[str, str]) -> str:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return headers.get(TOKEN_HEADER.lower(), "")

    def _matches(self, given: str) -> bool:
        token = self.access.token
        return (
            bool(given)
            and token is not None
            and secrets.compare_digest(given.encode(), token.encode())
        )

    def _login(self, scope: Scope, query: dict[str, str]) -> ASGIApp:
        """Trade ``?token=`` for a cookie and the same address without it."""
        if not self._matches(query.pop(TOKEN_QUERY)):
            return _json(401, "token", "wrong token")
        rest = urlencode(query)
        location = str(scope.get("path", "/")) + (f"?{rest}" if rest else "")
        cookie = (
            f"{TOKEN_COOKIE}={self.access.token}; Path=/; HttpOnly; SameSite=Strict"
        )
        return _response(
            303,
            b"",
            [(b"location", location.encode()), (b"set-cookie", cookie.encode())],
        )


def _cross_site(headers: dict[str, str]) -> bool:
    """Whether a browser says this request comes from another site or origin."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False  # not sent by a browser on a cross-origin request
    parts = urlsplit(origin)
    return origin == "null" or parts.netloc.lower() != headers.get("host", "").lower()


def _is_report_page(path: str) -> bool:
    """Report pages are framed by the compare page on this origin."""
    parts = path.strip("/").split("/")
    return len(parts) == 2 and parts[0] == "runs"


def _with_security_headers(send: Send, *, framable: bool) -> Send:
    ancestors = "'self'" if framable else "'none'"
    added = [
        (
            b"content-security-policy",
            CONTENT_SECURITY_POLICY.format(ancestors=ancestors).encode(),
        ),
        (b"x-frame-options", b"SAMEORIGIN" if framable else b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *added]
        await send(message)

    return wrapped


def _headers(scope: Scope) -> dict[str, str]:
    return {
        k.decode("latin-1").lower(): v.decode("latin-1")
        for k, v in scope.get("headers") or []
    }


def _response(status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> ASGIApp:
    async def respond(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return respond


def _json(status: int, field: str, error: str) -> ASGIApp:
    body = json.dumps({"field": field, "error": error}).encode()
    return _response(status, body, [(b"content-type", b"application/json")])


class _BodyTooLarge(BaseException):
    """Raised from ``receive``; a BaseException so no body parser swallows it."""


class BodyLimit(_HttpMiddleware):
    """ASGI middleware: answer 413 to any request body over ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, cut off once its body passes the limit.

        Parameters
        ----------
        scope, receive, send
            As for :meth:`Guard.http`; ``receive`` is wrapped to count bytes.
        """
        length = _headers(scope).get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _json(400, "Content-Length", "not a byte count")(
                    scope, receive, send
                )
                return
            if int(length) > self.limit:
                await self._refuse(scope, receive, send)
                return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = f"request body over the limit of {self.limit:,} bytes"
        await _json(413, "body", error)(scope, receive, send)
