"""The rule for which addresses the server may connect to (lib/public_addresses.py), by
itself and through `manage.py check_links` when a name resolves to one of the IPv6 forms that
carry an IPv4 address."""

import socket
from io import StringIO

import pytest
from django.core.management import call_command

from lib.public_addresses import is_public_address

# (address, public?) — each IPv6 form that carries an IPv4 address, with a private and a
# public address inside, then the plain cases.
ADDRESSES = [
    # NAT64, well-known prefix: 127.0.0.1, 10.0.0.1, 8.8.8.8.
    ("64:ff9b::7f00:1", False),
    ("64:ff9b::a00:1", False),
    ("64:ff9b::808:808", True),
    # NAT64, local-use prefix: where the IPv4 address sits is a local choice; refused.
    ("64:ff9b:1::a00:1", False),
    ("64:ff9b:1::808:808", False),
    # 6to4: 127.0.0.1, 192.168.1.1, 8.8.8.8.
    ("2002:7f00:1::1", False),
    ("2002:c0a8:101::1", False),
    ("2002:808:808::1", True),
    # IPv4-compatible (deprecated).
    ("::127.0.0.1", False),
    ("::169.254.169.254", False),
    ("::8.8.8.8", True),
    # IPv4-mapped.
    ("::ffff:127.0.0.1", False),
    ("::ffff:172.16.0.1", False),
    ("::ffff:8.8.8.8", True),
    # SIIT (IPv4-translated).
    ("::ffff:0:127.0.0.1", False),
    ("::ffff:0:10.1.2.3", False),
    ("::ffff:0:8.8.8.8", True),
    # Teredo: server 65.54.227.120 and client 192.0.2.45 (a documentation range), private client
    # 10.0.0.1, and both public (8.8.8.8 and 1.1.1.1; the client is stored bit-inverted).
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),
    ("2001:0:808:808:8000:63bf:fefe:fefe", True),
    # Multicast, unspecified, reserved, and the rest of the non-public space.
    ("224.0.0.1", False),
    ("239.255.255.250", False),
    ("ff02::1", False),
    ("ff0e::1", False),
    ("::ffff:224.0.0.1", False),
    ("0.0.0.0", False),
    ("::", False),
    ("240.0.0.1", False),
    ("255.255.255.255", False),
    ("::ffff:240.0.0.1", False),
    ("127.0.0.1", False),
    ("::1", False),
    ("10.0.0.1", False),
    ("100.64.0.1", False),
    ("169.254.169.254", False),
    ("fe80::1", False),
    ("fe80::1%1", False),
    ("fc00::1", False),
    ("2001:db8::1", False),
    # Plain public addresses.
    ("8.8.8.8", True),
    ("2001:4860:4860::8888", True),
    ("2606:4700:4700::1111", True),
]


@pytest.mark.parametrize(("address", "public"), ADDRESSES)
def test_an_address_is_public_only_when_what_it_delivers_to_is(address, public):
    assert is_public_address(address) is public


# Host names that resolve to IPv6 forms carrying a private IPv4 address.
RESOLVES_TO = {
    "nat64.example": "64:ff9b::7f00:1",
    "sixtofour.example": "2002:a00:1::1",
    "compatible.example": "::127.0.0.1",
    "mapped.example": "::ffff:127.0.0.1",
    "siit.example": "::ffff:0:127.0.0.1",
    "teredo.example": "2001:0:4136:e378:8000:63bf:f5ff:fffe",
    "multicast.example": "ff0e::1",
}


@pytest.fixture
def resolver(monkeypatch):
    """getaddrinfo answers for the names above as a resolver would; nothing else resolves."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in RESOLVES_TO:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (RESOLVES_TO[host], port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("host", sorted(RESOLVES_TO))
def test_a_name_resolving_to_an_ipv6_form_of_a_private_address_is_not_asked(
    build, settings, resolver, host
):
    settings.LINK_CHECK_PRIVATE_ADDRESSES = False
    source = build.source(url=f"http://{host}/page")

    call_command("check_links", "--timeout", "1", stdout=StringIO())

    source.refresh_from_db()
    assert (source.link_status, source.link_error) == (None, "private_address")
