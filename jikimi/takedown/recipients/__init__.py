"""Takedown recipients: for each host of a batch, whom a notice goes to and what is missing.

Hosting: the abuse desk of the network holding each of the host's addresses (IP RDAP), or the
CDN in front of it, marked as not the host. Registrar: the abuse contact of the registrar of the
registrable domain (domain RDAP). Regulator: from settings. RDAP servers are found through the
RFC 9224 bootstrap registries at `rdap_bootstrap_url`; every request goes through the crawler's
address guard and an answer cache. Answers are parsed with whoisit's RDAP parser.
"""

from jikimi.takedown.recipients.find import default_cache_dir, find_recipients

__all__ = ["default_cache_dir", "find_recipients"]
