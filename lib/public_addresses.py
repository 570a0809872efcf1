"""Which network addresses the server may connect to on a reader's or a citation's behalf.

Anything that fetches an address it was given (the link checker, and any later capture or
fetch) asks `is_public_address` about every address a host name resolves to, and connects only
to one that passed. Loopback, private, link-local, shared (CGNAT), multicast, unspecified and
reserved addresses are refused.

Several IPv6 forms carry an IPv4 address inside them, and the network delivers the packet to
that IPv4 address: IPv4-mapped `::ffff:a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, IPv4-compatible
`::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::` and Teredo `2001:0::` (its server
and its client). Python's `is_global` judges only the IPv6 prefix, so `64:ff9b::7f00:1` (which
a NAT64 gateway turns into 127.0.0.1) counts as global; here each such form is judged by the
IPv4 address it carries. The local-use NAT64 prefix `64:ff9b:1::/48` is refused outright: where
the IPv4 address sits inside it is a choice of the local network, which we cannot see.
"""

import ipaddress

NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
SIIT_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def is_public_address(address):
    """True when `address` (a string or an ipaddress object) reaches the public internet."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        # Without its scope id (`fe80::1%eth0`): the tests below compare the bare address.
        ip = ipaddress.IPv6Address(int(ip))
        if ip in NAT64_LOCAL_USE:
            return False
        carried = embedded_ipv4_addresses(ip)
        if carried:
            return all(_is_public(inner) for inner in carried)
    return _is_public(ip)


def embedded_ipv4_addresses(ip):
    """The IPv4 addresses an IPv6 address delivers to ([] when it is plain IPv6)."""
    ip = ipaddress.IPv6Address(int(ipaddress.IPv6Address(ip)))
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in SIIT_TRANSLATED or ip in NAT64_WELL_KNOWN:
        return [low32]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [server, client]
    # `::` and `::1` are the unspecified and loopback addresses, not IPv4-compatible ones.
    if ip in IPV4_COMPATIBLE and int(ip) > 1:
        return [low32]
    return []


def _is_public(ip):
    return ip.is_global and not (ip.is_multicast or ip.is_unspecified or ip.is_reserved)
