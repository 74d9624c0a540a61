"""Takedown recipients from RDAP, against a fixture RDAP service with recorded answers
(tests/rdap_fixtures.py): hosting and registrar abuse contacts, placeholders, missing contacts,
CDN fronts, the regulator, failures per host, the answer cache and the address guard."""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jikimi.takedown.recipients import default_cache_dir, find_recipients
from jikimi.takedown.recipients.domains import registrable_domain
from jikimi.takedown.recipients.fronts import front_by_address, front_by_names
from jikimi.takedown.recipients.placeholders import placeholder_reason
from kernel.settings_takedown import TakedownSettings
from kernel.takedown import Contact, HostRecipients
from tests.crawl_site import FixtureSite
from tests.rdap_fixtures import ADDRESSES, rdap_settings, rdap_site, resolve

HOSTED, FRONTED, BARE = "media.hosted-fixture.com", "cdn.fronted-fixture.com", \
    "files.bare-fixture.net"


@pytest.fixture()
def site() -> Iterator[FixtureSite]:
    with rdap_site() as running:
        yield running


def look_up(site: FixtureSite, cache: Path, *hosts: str,
            **settings: object) -> dict[str, HostRecipients]:
    return find_recipients(hosts, rdap_settings(site, **settings), cache_dir=cache,
                           resolve=resolve)


def by_role(found: HostRecipients, role: str) -> list[Contact]:
    return [c for c in found.contacts if c.role == role]


def test_hosting_abuse_desk_nested_under_the_registrant_and_the_registrar_abuse_contact(
        site: FixtureSite, tmp_path: Path) -> None:
    found = look_up(site, tmp_path, HOSTED)[HOSTED]
    assert found.addresses == ["198.51.100.20", "2001:db8::10"]
    hosting = by_role(found, "hosting")
    assert [(c.email, c.organisation) for c in hosting] == \
        [("abuse@fixture-hosting.nl", "Fixture Hosting B.V.")]  # IPv4 and IPv6: one desk
    assert hosting[0].source == f"{site.base}/ripe/ip/198.51.100.20"  # longest prefix: RIPE
    registrar = by_role(found, "registrar")
    assert [(c.email, c.organisation, c.placeholder) for c in registrar] == \
        [("abuse@fixture-registrar.com", "Fixture Registrar, Inc.", False)]
    assert found.front is None and found.problems == []
    assert [c.email for c in found.for_step("hosting")] == ["abuse@fixture-hosting.nl"]


def test_a_network_without_an_abuse_entity_and_an_unknown_domain_are_problems(
        site: FixtureSite, tmp_path: Path) -> None:
    found = look_up(site, tmp_path, BARE)[BARE]
    assert found.problems == [
        "no abuse contact in IP RDAP for 192.0.2.10 (whois.arin.net)",
        f"domain RDAP for bare-fixture.net: not found (404 at {site.base}"
        "/registry/domain/bare-fixture.net)"]
    assert [(c.email, c.organisation) for c in by_role(found, "hosting")] == \
        [(None, "Fixture Colocation LLC")]  # the holder is known, its desk is missing
    assert found.for_step("hosting") == [] and found.for_step("registrar") == []


def test_a_cloudflare_front_is_named_and_a_redacted_registrar_address_is_a_placeholder(
        site: FixtureSite, tmp_path: Path) -> None:
    found = look_up(site, tmp_path, FRONTED)[FRONTED]
    assert found.front == "Cloudflare"
    assert by_role(found, "hosting") == []
    cdn = by_role(found, "cdn")
    assert [(c.email, c.organisation) for c in cdn] == [("abuse@cloudflare.com",
                                                         "Cloudflare, Inc.")]
    assert "https://abuse.cloudflare.com" in cdn[0].note and "not the host" in cdn[0].note
    assert any("behind Cloudflare" in p and "real host is hidden" in p for p in found.problems)
    registrar = by_role(found, "registrar")
    assert [(c.email, c.placeholder, c.usable) for c in registrar] == \
        [("REDACTED FOR PRIVACY", True, False)]
    assert any(p.startswith("placeholder abuse address in domain RDAP for fronted-fixture.com")
               for p in found.problems)
    assert found.for_step("registrar") == []
    assert [c.email for c in found.for_step("hosting")] == ["abuse@cloudflare.com"]


def test_each_host_fails_alone_and_the_others_go_on(site: FixtureSite, tmp_path: Path) -> None:
    found = look_up(site, tmp_path, "gone.fixture-site.org", "www.broken-fixture.com",
                    "nowhere.fixture-site.com", HOSTED)
    assert found["gone.fixture-site.org"].problems == [
        f"IP RDAP for 203.0.113.7: not found (404 at {site.base}/ripe/ip/203.0.113.7)",
        "no RDAP server for .org in the bootstrap registry (its registry may offer only WHOIS)"]
    assert found["www.broken-fixture.com"].problems == [
        f"domain RDAP for broken-fixture.com: RDAP server answered 500 for {site.base}"
        "/registry/domain/broken-fixture.com"]
    assert found["nowhere.fixture-site.com"].addresses == []
    assert found["nowhere.fixture-site.com"].problems[0].startswith(
        "cannot resolve nowhere.fixture-site.com")
    assert found[HOSTED].problems == [] and found[HOSTED].for_step("registrar")


def test_the_regulator_comes_from_settings_and_is_unusable_without_an_address(
        site: FixtureSite, tmp_path: Path) -> None:
    with_address = look_up(site, tmp_path, HOSTED)[HOSTED]
    assert with_address.contacts[-1] == Contact(
        "regulator", "referral@regulator-fixture.kr",
        "Korea Communications Standards Commission (KCSC)", "settings")
    without = look_up(site, tmp_path, HOSTED, regulator_email="")[HOSTED]
    regulator = by_role(without, "regulator")
    assert [(c.email, c.usable) for c in regulator] == [(None, False)]
    assert without.for_step("regulator") == []
    nobody = look_up(site, tmp_path, HOSTED, regulator_email="", regulator_name="")[HOSTED]
    assert by_role(nobody, "regulator") == []


def test_hosts_are_deduplicated_and_each_answer_is_fetched_once(
        site: FixtureSite, tmp_path: Path) -> None:
    before = time.time()
    found = look_up(site, tmp_path, "Media.Hosted-Fixture.com", f"{HOSTED}.", HOSTED,
                    "www.broken-fixture.com")
    assert list(found) == [HOSTED, "www.broken-fixture.com"]
    assert found[HOSTED].looked_up_at.timestamp() >= int(before)
    paths = site.paths()
    assert len(paths) == len(set(paths))  # 198.51.100.20 serves both hosts: asked once
    assert paths.count("/ripe/ip/198.51.100.20") == 1


def test_a_cached_answer_makes_no_request_until_it_expires(
        site: FixtureSite, tmp_path: Path) -> None:
    first = look_up(site, tmp_path, *ADDRESSES)
    assert site.paths()
    site.clear_log()
    again = look_up(site, tmp_path, *ADDRESSES)
    assert site.paths() == ["/registry/domain/broken-fixture.com"]  # only the 500 is asked again
    assert {h: r.contacts for h, r in again.items()} == {h: r.contacts for h, r in first.items()}
    four_days_ago = time.time() - 4 * 24 * 3600
    for entry in tmp_path.iterdir():
        os.utime(entry, (four_days_ago, four_days_ago))
    look_up(site, tmp_path, HOSTED)
    assert "/ripe/ip/198.51.100.20" in site.paths()  # older than rdap_cache_hours: asked again


def test_server_errors_are_not_cached_and_a_corrupt_cache_file_is_refetched(
        site: FixtureSite, tmp_path: Path) -> None:
    look_up(site, tmp_path, "www.broken-fixture.com")
    for entry in tmp_path.iterdir():
        entry.write_text("{not json", encoding="utf-8")
    site.clear_log()
    found = look_up(site, tmp_path, "www.broken-fixture.com")["www.broken-fixture.com"]
    assert "/ripe/ip/198.51.100.20" in site.paths()
    assert "/registry/domain/broken-fixture.com" in site.paths()
    assert [c.email for c in found.for_step("hosting")] == ["abuse@fixture-hosting.nl"]


def test_without_allow_private_the_loopback_rdap_server_is_refused(
        site: FixtureSite, tmp_path: Path) -> None:
    found = look_up(site, tmp_path, HOSTED, rdap_allow_private=False)[HOSTED]
    assert site.paths() == []
    # TEST-NET addresses are not public: no registry is asked about them at all
    assert [p for p in found.problems if "not a public address" in p] == [
        f"{a} is not a public address (private, loopback or reserved): no RDAP registry "
        "describes it" for a in ADDRESSES[HOSTED]]
    assert any("non-public address 127.0.0.1" in p for p in found.problems)  # the registry
    assert found.for_step("hosting") == [] and found.for_step("registrar") == []


def test_the_cache_folder_defaults_next_to_the_store(tmp_path: Path) -> None:
    store = tmp_path / "data" / "jikimi.sqlite3"
    assert default_cache_dir(TakedownSettings(), store) == tmp_path / "data" / "rdap-cache"
    chosen = TakedownSettings(rdap_cache_dir=tmp_path / "elsewhere")
    assert default_cache_dir(chosen, store) == tmp_path / "elsewhere"


@pytest.mark.parametrize(("email", "reason"), [
    ("abuse@fixture-hosting.nl", None),
    ("privacy@registrar-fixture.com", None),  # a real mailbox, not a redaction
    ("REDACTED FOR PRIVACY", "redacted"),
    ("Please query the RDDS service of the Registrar of Record identified in this output",
     "redacted"),
    ("redacted@redacted.com", "redacted"),
    ("abuse@example.com", "example or reserved domain"),
    ("abuse@mail.example.net", "example or reserved domain"),
    ("abuse@host.invalid", "example or reserved domain"),
    ("noreply@fixture-hosting.nl", "no-reply address"),
    ("abuse desk", "not an e-mail address"),
])
def test_placeholder_addresses(email: str, reason: str | None) -> None:
    assert placeholder_reason(email) == reason


def test_fronts_by_published_range_and_by_rdap_name() -> None:
    assert front_by_address(ipaddress.ip_address("2606:4700::1111")) == "Cloudflare"
    assert front_by_address(ipaddress.ip_address("198.51.100.20")) is None
    assert front_by_names("FASTLY") == "Fastly"
    assert front_by_names("AKAMAI-AS", "Akamai Technologies, Inc.") == "Akamai"
    assert front_by_names("AMAZON-CF") == "Amazon CloudFront"
    assert front_by_names("AMAZON-02", "Amazon.com, Inc.") is None  # EC2 hosts, not a front


@pytest.mark.parametrize(("host", "domain"), [
    ("img.cdn.fixture.co.uk", "fixture.co.uk"),
    ("someone.blogspot.com", "blogspot.com"),  # ICANN suffixes: the registry knows blogspot
    ("www.xn--vf4bi0o.xn--3e0b707e", "xn--vf4bi0o.xn--3e0b707e"),
    ("사진.한국", "xn--vf4bi0o.xn--3e0b707e"),  # asked of RDAP in its A-label form
    ("com", None),
])
def test_registrable_domain(host: str, domain: str | None) -> None:
    assert registrable_domain(host) == domain
