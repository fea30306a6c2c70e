"""Outbound HTTP to addresses a request names (the CDS Hooks ``fhirServer``).

A CDS client names the FHIR server the service should read from; without a check, a
caller could make the service call its own loopback, the cloud metadata address or a
host on the clinic's private network. Before every request (and every redirect hop,
since the check runs in the client's transport), the host is resolved and *every*
address it resolves to is checked: loopback, link-local, private, shared (CGNAT),
multicast, reserved and unspecified addresses are refused unless the host, or a network
holding the address, is allow-listed (``Settings.cds_fhir_allowed_hosts``: host names
and CIDR networks, for an EHR on the hospital's own network).

The connection then goes to the address that was checked, not to a second answer of
the name server (DNS rebinding: a name that resolves to a public address for the check
and to a loopback one a moment later). The request keeps the host's name in its
``Host`` header, and TLS sends and verifies the certificate for that name (SNI), so
virtual hosts and certificates work as before. The client does not read proxy settings
from the environment: a proxy would resolve the name again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx

from spinecare.messages import Message

__all__ = ["AddressPolicy", "BlockedAddress", "guarded_client", "guarded_transport"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_REDIRECTS = 3

Transport = TypeVar("Transport")


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

    async def check(self, url: httpx.URL) -> IPAddress:
        """Resolve ``url``'s host and refuse it if any of its addresses is not allowed;
        the address to connect to (the first one resolved) otherwise."""
        host = url.host
        if not host:
            raise BlockedAddress(Message("the URL names no host"))
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
                raise BlockedAddress(Message("cannot resolve %(host)s", host=host)) from None
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise BlockedAddress(Message("cannot resolve %(host)s", host=host))
        for address in addresses:
            if not self.allows(host, address):
                raise BlockedAddress(
                    Message(
                        "%(host)s resolves to an internal address; outbound calls to it are "
                        "not allowed",
                        host=host,
                    )
                )
        return addresses[0]


class _CheckedAddressTransport:
    """Checks each request's host against the policy and connects to the checked
    address: the URL names the address, the ``Host`` header and TLS keep the name.
    It wraps an httpx transport or an httpx2 one (Authlib's clients are httpx2's)."""

    def __init__(self, policy: AddressPolicy, inner: Any) -> None:
        self.policy = policy
        self.inner = inner

    async def handle_async_request(self, request: Any) -> Any:
        address = await self.policy.check(request.url)
        host = request.url.host
        if host != str(address):
            request.url = request.url.copy_with(host=str(address))
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def __aenter__(self) -> _CheckedAddressTransport:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.inner.__aexit__(*exc_info)


def guarded_transport(policy: AddressPolicy, inner: Transport) -> Transport:
    """``inner`` (an httpx or httpx2 transport, made with ``trust_env=False``) sending a
    request only to an address ``policy`` allows, the one it checked."""
    return cast(Transport, _CheckedAddressTransport(policy, inner))


def guarded_client(
    policy: AddressPolicy,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    limits: httpx.Limits | None = None,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """An httpx client whose every request (redirects included) passes ``policy`` and
    goes to the address it checked (``limits``: its connections, as httpx's)."""
    if transport is None and limits is not None:
        transport = httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
    inner = transport or httpx.AsyncHTTPTransport(trust_env=False)
    return httpx.AsyncClient(
        transport=guarded_transport(policy, inner),
        trust_env=False,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        **kwargs,
    )
