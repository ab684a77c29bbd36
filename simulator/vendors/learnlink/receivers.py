"""Where webhook deliveries may go: loopback receivers only, unless the user allows more.

The simulator promises no network access at run time, and a delivery's recorded status,
error and latency would otherwise tell whoever can subscribe which hosts and ports answer
(cloud metadata at 169.254.169.254, private ranges, a database on the same machine). So:
- a target is `http` or `https`, without user:password in it;
- its host is resolved, and every address it resolves to must be loopback (decimal, hex
  or IPv4-mapped spellings of an address are resolved like any name, so they are judged by
  the address they mean), unless `--webhook-allow HOST[:PORT]` names it ("*": anything);
- never the simulator's own port: a delivery must not reset or reconfigure it;
- a delivery resolves the host again, checks the addresses again, and connects to the
  checked address (a name that resolved to loopback at subscription and to another host
  later is refused, not followed); redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

ALLOW_OPTION = "--webhook-allow HOST[:PORT] (or LMS_SIM_WEBHOOK_ALLOW)"
DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetRefused(ValueError):
    """A webhook target this simulator will not send to (a 403 at subscription)."""


@dataclass(frozen=True)
class Target:
    url: str  # the URL to request: its host replaced by the checked address
    host_header: str  # the original host[:port], sent as Host
    server_name: str  # the original host name, for TLS


@dataclass(frozen=True)
class ReceiverPolicy:
    allow: frozenset[str] = frozenset()  # "host" or "host:port", lower case
    own_ports: frozenset[int] = frozenset()

    @classmethod
    def from_settings(cls, settings: Any) -> ReceiverPolicy:
        if settings is None:
            return cls()
        ports = {int(settings.port), *(int(p) for p in settings.vendor_ports.values())}
        return cls(frozenset(a.strip().lower() for a in settings.webhook_allow if a.strip()), frozenset(ports))

    def allows(self, host: str, port: int) -> bool:
        return "*" in self.allow or host in self.allow or f"{host}:{port}" in self.allow


# The resolver, one function so a test can stand in for DNS.
Resolver = Callable[[str, int], Sequence[str]]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


resolve: Resolver = system_resolver


def check(url: str, policy: ReceiverPolicy) -> Target:
    """The target to send to, or TargetRefused saying why and which option would allow it."""
    parts = _parse(url)
    host = (parts.hostname or "").lower()
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    allowed = policy.allows(host, port)
    try:
        addresses = list(resolve(host, port))
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"webhook target host {host!r} does not resolve ({exc})") from exc
    if not addresses:
        raise TargetRefused(f"webhook target host {host!r} does not resolve")
    if not allowed:
        outside = [a for a in addresses if not _is_loopback(a)]
        if outside:
            raise TargetRefused(
                f"webhook targets are limited to loopback receivers; {host}:{port} resolves to {outside[0]}. "
                f"Start the simulator with {ALLOW_OPTION} to send there"
            )
        if port in policy.own_ports:
            raise TargetRefused(
                f"webhook target {host}:{port} is this simulator itself; "
                f"start it with {ALLOW_OPTION} if that is really meant"
            )
    address = addresses[0]
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    pinned = parts._replace(netloc=netloc).geturl()
    return Target(url=pinned, host_header=parts.netloc, server_name=host)


def _parse(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number or out of range)
    except ValueError as exc:
        raise TargetRefused(f"webhook target is not a URL: {exc}") from exc
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise TargetRefused("a webhook target is an http or https URL with a host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("a webhook target URL must not carry user:password")
    return parts


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool((mapped or ip).is_loopback)
