"""Outbound HTTP to addresses a request names (the CDS Hooks ``fhirServer``).

A CDS client names the FHIR server the service should read from; without a check, a
caller could make the service call its own loopback, the cloud metadata address or a
host on the clinic's private network. Before every request (and every redirect hop,
since the check runs as an httpx request hook), the host is resolved and *every*
address it resolves to is checked: loopback, link-local, private, shared (CGNAT),
multicast, reserved and unspecified addresses are refused unless the host, or a network
holding the address, is allow-listed (``Settings.cds_fhir_allowed_hosts``: host names
and CIDR networks, for an EHR on the hospital's own network).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["AddressPolicy", "BlockedAddress", "guarded_client"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_REDIRECTS = 3


class BlockedAddress(httpx.RequestError):
    """The host resolves to an address outbound calls may not reach."""


def _is_internal(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return bool(
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in ipaddress.ip_network("100.64.0.0/10")  # shared address space
    )


@dataclass(frozen=True)
class AddressPolicy:
    """Which internal hosts and networks outbound calls may reach anyway."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> AddressPolicy:
        """Host names and CIDR networks (``10.1.0.0/16``, ``127.0.0.1``, ``ehr.local``)."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        if host.lower().rstrip(".") in self.hosts:
            return True
        if not _is_internal(address):
            return True
        return any(address in network for network in self.networks)

    async def check(self, url: httpx.URL) -> None:
        """Resolve ``url``'s host and refuse it if any of its addresses is not allowed."""
        host = url.host
        if not host:
            raise BlockedAddress("the URL names no host")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError:
                raise BlockedAddress(f"cannot resolve {host}") from None
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise BlockedAddress(f"cannot resolve {host}")
        for address in addresses:
            if not self.allows(host, address):
                raise BlockedAddress(
                    f"{host} resolves to an internal address; outbound calls to it are "
                    "not allowed (SPINECARE_CDS_FHIR_ALLOWED_HOSTS)"
                )


def guarded_client(policy: AddressPolicy, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client whose every request (redirects included) passes ``policy``."""

    async def check(request: httpx.Request) -> None:
        await policy.check(request.url)

    return httpx.AsyncClient(
        event_hooks={"request": [check]},
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        **kwargs,
    )
