"""Where outgoing webhooks may connect: http(s) receivers anywhere but link-local (cloud
metadata services) and any network the council fences off (PANELFLOW_WEBHOOK_REFUSED_NETWORKS).

check_url resolves the host when a subscription is saved and before each post, but the post
resolves it again: a host whose DNS answer changes in between (DNS rebinding) would get past it.
So the session used for posting (`checked_session`) checks the address it actually connected
to, before a byte is sent.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class UnsafeUrl(ValueError):
    """A receiver address we will not post to (not http/https, or a link-local/metadata
    address that could reach the machine's own cloud credentials)."""


def _refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if any(address in network for network in _refused_networks()):
        return True
    if current_app.config.get("WEBHOOK_ALLOW_LINK_LOCAL"):
        return address.is_multicast or address.is_unspecified
    # Link-local holds the cloud metadata services (169.254.169.254, fd00:ec2::254 is ULA
    # but named below); loopback and private networks are where councils' middleware lives.
    return (address.is_link_local or address.is_multicast or address.is_unspecified
            or address in ipaddress.ip_network("fd00:ec2::/32"))


def _refused_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    # A council may fence off more (its management network, say).
    return [ipaddress.ip_network(n.strip(), strict=False)
            for n in current_app.config.get("WEBHOOK_REFUSED_NETWORKS") or () if n.strip()]


def check_url(url: str, resolve: bool = True) -> None:
    """Raise UnsafeUrl unless `url` is http(s) to a host whose addresses are all allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a malformed IPv6 host or port
        raise UnsafeUrl("The address is not a valid web address") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("The address must start http:// or https:// and name a host")
    if parts.username or parts.password:
        raise UnsafeUrl("Put no user name or password in the address: the signature "
                        "authenticates us")
    try:
        literal = ipaddress.ip_address(parts.hostname)
        addresses = [literal]
    except ValueError:
        if not resolve:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, port or None,
                                       proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            raise UnsafeUrl(f"The host {parts.hostname!r} cannot be found") from exc
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if any(_refused_address(a) for a in addresses):
        raise UnsafeUrl("That address is link-local (where cloud metadata services live) or "
                        "in PANELFLOW_WEBHOOK_REFUSED_NETWORKS: set "
                        "PANELFLOW_WEBHOOK_ALLOW_LINK_LOCAL=1 if link-local is really meant")


class _PeerChecked:
    def _new_conn(self):  # urllib3's hook that opens the TCP connection
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if _refused_address(ipaddress.ip_address(peer.split("%")[0])):
            sock.close()
            raise UnsafeUrl(f"The host's address {peer} is refused (it changed after the "
                            "address was checked, or is fenced off)")
        return sock


class _CheckedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool,
                                                   "https": _CheckedHTTPSPool}


def checked_session() -> requests.Session:
    """A requests session whose every connection is refused if it reaches a refused address."""
    session = requests.Session()
    session.mount("http://", _CheckedAdapter())
    session.mount("https://", _CheckedAdapter())
    return session
