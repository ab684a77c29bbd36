"""The vendors' real hostnames, and where each request to them goes on a simulator.

A simulator serves each vendor under its own prefix (`/docebo/learn/v1/...`); the real APIs
live on the vendors' hosts (`https://acme.docebosaas.com/learn/v1/...`). `VendorHosts` maps
the second onto the first, so code under test can keep its production URLs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Skillable does not publish its API host; this is the spec's (inferred) server URL.
DEFAULT_SKILLABLE_URL = "https://tms.skillable.com/api"

# Absorb's regional gateways (rest.myabsorb.com, .ca, .eu, .com.au, and rest.sandbox.*).
_ABSORB_DOMAINS = ("myabsorb.com", "myabsorb.ca", "myabsorb.eu", "myabsorb.com.au")
_EXACT_HOSTS = {"public.api.learn.link": "learnlink", "app.msportal.ai": "msportal"}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def is_loopback(host: str) -> bool:
    """Loopback is never a vendor and never leaves the machine: it always passes through."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class VendorHosts:
    """Which vendor (and which path on the simulator) a real URL belongs to."""

    skillable_url: str = DEFAULT_SKILLABLE_URL
    # Hosts (besides loopback) that reach the network instead; True lets every other host through.
    passthrough: bool | frozenset[str] = False
    _skillable: tuple[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.skillable_url)
        if not parts.hostname:
            raise ValueError(f"skillable_url needs a host: {self.skillable_url!r}")
        object.__setattr__(self, "_skillable", (parts.hostname.lower(), parts.path.rstrip("/")))

    @classmethod
    def build(cls, *, skillable_url: str | None = None, passthrough: bool | Iterable[str] = False) -> VendorHosts:
        allowed = passthrough if isinstance(passthrough, bool) else frozenset(h.lower() for h in passthrough)
        return cls(skillable_url or DEFAULT_SKILLABLE_URL, allowed)

    def route(self, host: str, path: str) -> tuple[str, str] | None:
        """(vendor, path on the simulator under the vendor's prefix), or None for any other host."""
        host = host.lower().rstrip(".")
        if host in _EXACT_HOSTS:
            return _EXACT_HOSTS[host], path
        if any(_under(host, domain) for domain in _ABSORB_DOMAINS):
            return "absorb", path
        if _under(host, "docebosaas.com"):
            return "docebo", path
        skillable_host, prefix = self._skillable
        if host == skillable_host and (path == prefix or path.startswith(prefix + "/") or not prefix):
            return "skillable", path[len(prefix) :] or "/"
        return None

    def owns(self, host: str) -> bool:
        """Whether the host is a simulated vendor's (a path outside Skillable's prefix still is)."""
        host = host.lower().rstrip(".")
        vendor_host = host in _EXACT_HOSTS or any(_under(host, d) for d in (*_ABSORB_DOMAINS, "docebosaas.com"))
        return vendor_host or host == self._skillable[0]

    def passes_through(self, host: str) -> bool:
        """Whether a request to a host no vendor owns may go out (instead of failing the test)."""
        host = host.lower().rstrip(".")
        if is_loopback(host) or self.passthrough is True:
            return True
        return isinstance(self.passthrough, frozenset) and host in self.passthrough

    def patterns(self) -> list[str]:
        """httpx mount patterns for every vendor host (`httpx.Client(mounts=...)`)."""
        skillable_host, _ = self._skillable
        absorb = [p for d in _ABSORB_DOMAINS for p in (f"all://{d}", f"all://*.{d}")]
        docebo = ["all://docebosaas.com", "all://*.docebosaas.com"]
        return [*absorb, *docebo, *(f"all://{h}" for h in _EXACT_HOSTS), f"all://{skillable_host}"]


class UnroutedRequest(AssertionError):
    """A request to a host no simulated vendor owns, while such requests are not let through.

    An AssertionError on purpose: retry loops that catch `httpx.HTTPError` or
    `requests.RequestException` must not swallow it.
    """

    def __init__(self, method: str, url: str) -> None:
        super().__init__(
            f"{method} {url}: this host is not a simulated vendor, and requests to other hosts are refused "
            "(pass passthrough=True, or a list of host names, to let them through)"
        )
