"""Fetch a page or media URL again for evidence, with the crawler's address guard.

Raw media is deleted after enrichment by default, so preserving a hit means fetching it once
more. A hit's URLs came from hostile sites, so this fetch is guarded exactly like the crawler's:
`crawlers.netguard.check_url` on the URL and on every redirect target (followed by hand, so each
hop is checked and the final URL is known), the connected socket's peer address checked again
(DNS rebinding), no proxies from the environment, and a byte cap. `allow_private` lifts the
address checks (tests, the demo); each caller passes its own purpose's switch, never the crawler's.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from crawlers.guarded_http import guarded_opener
from crawlers.netguard import check_url
from kernel.errors import FetchRefused
from kernel.records import utcnow

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass
class Fetched:
    """What a server answered, as evidence: status, every header (duplicates kept), the body."""

    url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime = field(default_factory=utcnow)
    redirects: list[str] = field(default_factory=list)
    reason: str = ""  # the status line's phrase as sent ("OK", "File not found")
    http_version: str = "HTTP/1.1"  # as the server answered (WARC response records keep it)

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.split(";", 1)[0].strip()
        return "application/octet-stream"


def fetch(
    url: str, *, allow_private: bool, max_bytes: int, timeout: float, user_agent: str,
    accept: str | None = None, setting: str = "evidence.allow_private / --allow-private",
    headers_for: Callable[[str], Mapping[str, str]] | None = None,
) -> Fetched:
    """GET `url`, following up to MAX_REDIRECTS checked redirects; raise FetchRefused when the
    address guard refuses, the body exceeds `max_bytes`, or the server cannot be reached.
    `accept` is sent as the Accept header (RDAP servers want application/rdap+json); `setting`
    names the caller's own switch in refusals (evidence, portal preview, RDAP). `headers_for(url)`
    adds headers per hop, so a redirect to another host gets only what that host may see (a
    login-walled site's secrets: `crawlers.site_auth.AuthSecrets.headers_for`)."""
    opener = guarded_opener(allow_private)
    current, hops = url, []
    for _ in range(MAX_REDIRECTS + 1):
        check_url(current, allow_private=allow_private, setting=setting)
        sent = {"User-Agent": user_agent} | ({"Accept": accept} if accept else {})
        sent |= headers_for(current) if headers_for is not None else {}
        request = urllib.request.Request(current, headers=sent)
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            response = exc  # 3xx (not followed by urllib) and 4xx/5xx are answers too
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchRefused(f"cannot fetch {current}: {reason}") from None
        with response:
            status = int(getattr(response, "status", None) or getattr(response, "code", 0) or 0)
            headers = [(str(k), str(v)) for k, v in response.headers.items()]
            location = response.headers.get("Location")
            if status in _REDIRECTS and location:
                hops.append(current)
                current = urljoin(current, location)
                continue
            body = _read_capped(response, max_bytes, current)
            reason = str(getattr(response, "reason", "") or "")
            version = getattr(response, "version", None)
        return Fetched(url, current, status, headers, body, redirects=hops, reason=reason,
                       http_version=_http_version(version))
    raise FetchRefused(f"cannot fetch {url}: more than {MAX_REDIRECTS} redirects")


def _http_version(version: object) -> str:
    """http.client's 9/10/11 as a status line's protocol ("HTTP/1.0")."""
    return f"HTTP/{version // 10}.{version % 10}" if isinstance(version, int) and version \
        else "HTTP/1.1"


def _read_capped(response: Any, max_bytes: int, url: str) -> bytes:
    try:
        body = bytes(response.read(max_bytes + 1))
    except (OSError, http.client.HTTPException) as exc:
        raise FetchRefused(f"cannot read {url}: {type(exc).__name__}: {exc}") from None
    if len(body) > max_bytes:
        raise FetchRefused(f"refused {url}: larger than {max_bytes} bytes")
    return body
