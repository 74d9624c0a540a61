"""The connection-time resolver refuses non-public answers unless private addresses are allowed."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from crawlers.resolver import GuardedResolver, refuse_non_public
from crawlers.safety import ALLOW_PRIVATE_SETTING
from crawlers.settings import TWISTED_DNS_RESOLVER


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1"])
def test_non_public_answers_are_refused(address):
    with pytest.raises(DNSLookupError, match="non-public"):
        refuse_non_public(address, "rebind.example")


def test_public_answer_passes():
    assert refuse_non_public("8.8.8.8", "dns.example") == "8.8.8.8"


def test_crawls_use_the_guarded_resolver_with_the_site_setting():
    assert TWISTED_DNS_RESOLVER == "crawlers.resolver.GuardedResolver"
    from twisted.internet import reactor

    strict = GuardedResolver.from_crawler(get_crawler(), reactor)
    relaxed = GuardedResolver.from_crawler(
        get_crawler(settings_dict={ALLOW_PRIVATE_SETTING: True}), reactor)
    assert strict.allow_private is False and relaxed.allow_private is True
