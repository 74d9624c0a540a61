"""Issue 13, finding 8: an IPv6 address that embeds a non-public IPv4 address is refused.

Every embedding form is written out for 127.0.0.1 and 169.254.169.254 (the cloud metadata
address), and the same forms with public IPv4 addresses are checked to still pass where the form
itself is routable. The guard is exercised the way a hostile DNS answer reaches it: through
`check_url` with a resolver that answers the embedded address.
"""

from __future__ import annotations

import ipaddress
import re

import pytest

from crawlers.ipv4_embeddings import embedded_ipv4
from crawlers.netguard import check_url, is_public_address
from kernel.errors import FetchRefused


def _v4_hex(address: str) -> str:
    value = int(ipaddress.IPv4Address(address))
    return f"{value >> 16:x}:{value & 0xFFFF:x}"


def _teredo_client(address: str) -> str:
    value = int(ipaddress.IPv4Address(address)) ^ 0xFFFFFFFF
    return f"{value >> 16:x}:{value & 0xFFFF:x}"


def _nat64_local_48(address: str) -> str:
    """RFC 6052 /48 placement: two octets in bits 48–63, the u octet, two octets after it."""
    a, b, c, d = ipaddress.IPv4Address(address).packed
    return f"64:ff9b:1:{a:02x}{b:02x}:{c:02x}:{d:02x}00::"


FORMS = {
    "IPv4-mapped": lambda v4: f"::ffff:{_v4_hex(v4)}",
    "IPv4-compatible": lambda v4: f"::{_v4_hex(v4)}",
    "IPv4-translated": lambda v4: f"::ffff:0:{_v4_hex(v4)}",
    "6to4": lambda v4: f"2002:{_v4_hex(v4)}::1",
    "Teredo client": lambda v4: f"2001:0:4136:e378:8000:63bf:{_teredo_client(v4)}",
    "Teredo server": lambda v4: f"2001:0:{_v4_hex(v4)}:8000:63bf:3fff:fdd2",
    "NAT64": lambda v4: f"64:ff9b::{_v4_hex(v4)}",
    "NAT64 local-use /96": lambda v4: f"64:ff9b:1::{_v4_hex(v4)}",
    "NAT64 local-use /48": _nat64_local_48,
    "ISATAP": lambda v4: f"2607:f8b0:1::5efe:{_v4_hex(v4)}",
    "ISATAP global": lambda v4: f"2607:f8b0:1::200:5efe:{_v4_hex(v4)}",
}
# Forms whose outer address is itself routable: with a public IPv4 inside they must pass.
ROUTABLE_FORMS = ["IPv4-mapped", "6to4", "NAT64", "ISATAP", "ISATAP global"]


@pytest.mark.parametrize("inner", ["127.0.0.1", "169.254.169.254"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_embedding_of_a_non_public_ipv4_is_refused(form: str, inner: str) -> None:
    address = ipaddress.ip_address(FORMS[form](inner))
    embedding = embedded_ipv4(address)  # type: ignore[arg-type]
    assert embedding is not None and ipaddress.IPv4Address(inner) in embedding.ipv4
    assert not is_public_address(address)
    with pytest.raises(FetchRefused, match=rf"non-public address .*of .*{re.escape(inner)}"):
        check_url("http://rebind.example/x.jpg", allow_private=False,
                  resolver=lambda _host: [address])


@pytest.mark.parametrize("inner", ["8.8.8.8", "93.184.215.14"])
@pytest.mark.parametrize("form", ROUTABLE_FORMS)
def test_embeddings_of_public_ipv4_addresses_pass(form: str, inner: str) -> None:
    address = ipaddress.ip_address(FORMS[form](inner))
    assert is_public_address(address)
    check_url("http://cdn.example/x.jpg", allow_private=False, resolver=lambda _host: [address])


@pytest.mark.parametrize("form", ["6to4", "NAT64", "IPv4-mapped"])
def test_embeddings_are_refused_as_url_literals_too(form: str) -> None:
    literal = FORMS[form]("169.254.169.254")
    with pytest.raises(FetchRefused, match="169.254.169.254"):
        check_url(f"http://[{literal}]/latest/meta-data/", allow_private=False)


@pytest.mark.parametrize("address", ["2607:f8b0:4004:800::200e", "2a00:1450:4001:82a::200e"])
def test_plain_public_ipv6_has_no_embedding_and_passes(address: str) -> None:
    ip = ipaddress.IPv6Address(address)
    assert embedded_ipv4(ip) is None and is_public_address(ip)
