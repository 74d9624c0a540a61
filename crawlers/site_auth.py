"""Cookies and secret headers for login-walled sites an NGO is entitled to enter.

A site file names where its secrets are (an environment variable, a file), never the secrets:
site files are shown in the portal, kept in version control and pasted into bug reports. The
crawling process reads them when its crawl starts (`load_auth`, from `crawlers.settings`), and
:class:`SiteAuthMiddleware` puts them on requests to the site's own hosts only
(`allowed_domains`): media on a CDN, a link off the site or a redirect to another host never
carries them (the middleware strips them again from a redirect Scrapy copied them onto).
`jikimi sites check` sends the same headers through the same rule (`AuthSecrets.headers_for`).

Netscape `cookies.txt` jars (what browser extensions export) are read with the standard
library's `http.cookiejar.MozillaCookieJar`, whose policy also applies each cookie's domain,
path, secure flag and expiry; expired cookies are dropped at load, and an expiry of 0 (how
browser exports write a session cookie) is read as a session cookie. Cookies the site sets while
crawling are not kept (Scrapy's cookie middleware stays off), so a session the site rotates
lasts as long as the cookie the operator exported.

No secret value is ever printed: errors name the site and the variable or file, never what it
holds (nor the offending line, which `MozillaCookieJar`'s own error would quote); the repr of
loaded secrets shows header names and a cookie count; Scrapy never logs request headers. A
secret file must not be readable by group or others (chmod 600): such a file is refused, as ssh
refuses a private key others can read, since its value is already exposed to them.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
import urllib.request
import warnings
from collections.abc import Mapping, Sequence
from http.cookiejar import LoadError, MozillaCookieJar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawlers.scope import on_site
from crawlers.sites import SiteDefinition
from kernel.errors import ConfigError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

AUTH_SETTING = "JIKIMI_SITE_AUTH"  # Scrapy setting holding the loaded AuthSecrets (or None)
MAX_SECRET_BYTES = 1024 * 1024
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header or cookie name
_JAR_MAGIC = re.compile(r"#( Netscape)? HTTP Cookie File")  # MozillaCookieJar's own check
_NOT_SETTABLE = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class AuthSecrets:
    """One site's secret headers and cookies, handed out only for the site's own hosts."""

    def __init__(self, site: str, domains: Sequence[str], headers: Mapping[str, str],
                 cookie: str | None, jar: MozillaCookieJar | None) -> None:
        self.site = site
        self._domains = list(domains)
        self._headers = dict(headers)
        self._cookie = cookie
        self._jar = jar

    @property
    def header_names(self) -> list[str]:
        """The headers these secrets set (the values stay hidden)."""
        has_cookies = self._cookie is not None or self._jar is not None
        return sorted(self._headers) + (["Cookie"] if has_cookies else [])

    def headers_for(self, url: str) -> dict[str, str]:
        """The secret headers to send with a request for `url`: none unless it is on the site."""
        if not on_site(url, self._domains):
            return {}
        headers = dict(self._headers)
        cookies = [c for c in (self._cookie, self._jar_cookie(url)) if c]
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        return headers

    def _jar_cookie(self, url: str) -> str | None:
        if self._jar is None:
            return None
        request = urllib.request.Request(url)
        self._jar.add_cookie_header(request)  # the jar's policy: domain, path, secure, expiry
        return request.get_header("Cookie")

    def __repr__(self) -> str:
        return f"AuthSecrets(site={self.site!r}, headers={self.header_names}, values withheld)"

    def __deepcopy__(self, memo: dict[int, Any]) -> AuthSecrets:
        return self  # Scrapy deep-copies its settings; the jar's lock cannot be, nor need be


class SiteAuthMiddleware:
    """Set the site's secret headers on requests to its own hosts; strip them from any other."""

    def __init__(self, secrets: AuthSecrets | None) -> None:
        self.secrets = secrets

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteAuthMiddleware:
        return cls(crawler.settings.get(AUTH_SETTING))

    def process_request(self, request: Request) -> None:
        if self.secrets is None:
            return
        for name in self.secrets.header_names:  # a redirect's copy, or a CDN's request
            if name in request.headers:
                del request.headers[name]
        for name, value in self.secrets.headers_for(request.url).items():
            request.headers[name] = value


def load_auth(site: SiteDefinition, environ: Mapping[str, str] | None = None
              ) -> AuthSecrets | None:
    """Read the secrets `site.auth` names; None when it names none. A missing variable or file,
    a file others can read, or a value that does not parse is a ConfigError naming the site and
    the variable or file, never the value."""
    auth = site.auth
    if auth is None:
        return None
    env = os.environ if environ is None else environ
    headers: dict[str, str] = {}
    cookies: list[str] = []
    jar: MozillaCookieJar | None = None
    if auth.headers_file is not None:
        where = f"auth.headers_file {auth.headers_file}"
        headers |= _parse_headers(site, where, _read_file(site, where, auth.headers_file))
    if auth.headers_env is not None:
        where = f"auth.headers_env {auth.headers_env}"
        headers |= _parse_headers(site, where, _read_env(site, where, env, auth.headers_env))
    if auth.cookies_file is not None:
        where = f"auth.cookies_file {auth.cookies_file}"
        text = _read_file(site, where, auth.cookies_file)
        if _JAR_MAGIC.match(text.lstrip("\ufeff")):
            jar = _load_jar(site, where, Path(auth.cookies_file).expanduser())
        else:
            cookies.append(_parse_cookie(site, where, text))
    if auth.cookies_env is not None:
        where = f"auth.cookies_env {auth.cookies_env}"
        cookies.append(_parse_cookie(site, where, _read_env(site, where, env, auth.cookies_env)))
    for name in [n for n in headers if n.lower() == "cookie"]:
        cookies.insert(0, headers.pop(name))
    return AuthSecrets(site.name, site.allowed_domains, headers, "; ".join(cookies) or None, jar)


def _problem(site: SiteDefinition, where: str, what: str) -> ConfigError:
    return ConfigError(f"site {site.name}: {where}: {what}")


def _read_env(site: SiteDefinition, where: str, env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if value is None:
        raise _problem(site, where, "environment variable not set")
    if not value.strip():
        raise _problem(site, where, "environment variable is empty")
    return value


def _read_file(site: SiteDefinition, where: str, path: Path) -> str:
    source = Path(path).expanduser()
    if not source.is_absolute():
        raise _problem(site, where, "give an absolute path")
    try:
        with source.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _problem(site, where, "not a regular file")
            if info.st_mode & (stat.S_IRGRP | stat.S_IROTH):
                raise _problem(site, where, f"readable by group or others (mode "
                                            f"{stat.S_IMODE(info.st_mode):o}): chmod 600 it")
            data = handle.read(MAX_SECRET_BYTES + 1)
    except FileNotFoundError:
        raise _problem(site, where, "file not found") from None
    except IsADirectoryError:
        raise _problem(site, where, "not a regular file") from None
    except OSError as exc:
        raise _problem(site, where, f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise _problem(site, where, f"larger than {MAX_SECRET_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _problem(site, where, "not UTF-8 text") from None


def _parse_headers(site: SiteDefinition, where: str, text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:  # its message quotes no content: position only
        raise _problem(site, where, f"not valid JSON (line {exc.lineno} column {exc.colno})"
                       ) from None
    if not isinstance(data, dict) or not data:
        raise _problem(site, where, "must be a JSON object of header names to string values")
    headers: dict[str, str] = {}
    for number, (name, value) in enumerate(data.items(), start=1):
        if not _TOKEN.match(name):  # not echoed: a misplaced value could be the secret
            raise _problem(site, where, f"entry {number}: not a valid header name")
        if name.lower() in _NOT_SETTABLE:
            raise _problem(site, where, f"header {name} cannot be set")
        if not isinstance(value, str) or not _sendable(value):
            raise _problem(site, where, f"header {name}: the value must be a non-empty string "
                                        "of printable ASCII on one line")
        headers[name] = value
    return headers


def _parse_cookie(site: SiteDefinition, where: str, text: str) -> str:
    value = text.strip()
    pairs = [p.strip() for p in value.split(";") if p.strip()]
    if not pairs or not _sendable(value) or not all(
            _TOKEN.match(p.partition("=")[0].strip()) and "=" in p for p in pairs):
        raise _problem(site, where, "must be one Cookie header line (name=value; name2=value2) "
                                    "or a Netscape cookies.txt file")
    return "; ".join(pairs)


def _sendable(value: str) -> bool:
    """Printable ASCII on one line: what every HTTP client sends as is (an error about anything
    else, e.g. a codec's, would quote the character)."""
    return bool(value) and value.isascii() and value.isprintable()


def _load_jar(site: SiteDefinition, where: str, path: Path) -> MozillaCookieJar:
    jar = MozillaCookieJar()
    try:  # session cookies (no expiry) are what a browser export of a login mostly holds
        with warnings.catch_warnings():  # its "cookiejar bug!" warning on a malformed line
            warnings.simplefilter("ignore")
            jar.load(str(path), ignore_discard=True, ignore_expires=True)
    except (LoadError, OSError):  # LoadError's text quotes the bad line: never shown
        raise _problem(site, where, "not a valid Netscape cookies.txt file") from None
    now = int(time.time())
    for cookie in list(jar):
        if cookie.expires == 0:  # browser exports write 0 for a session cookie
            cookie.expires, cookie.discard = None, True
        elif cookie.is_expired(now):
            jar.clear(cookie.domain, cookie.path, cookie.name)
    if not len(jar):
        raise _problem(site, where, "holds no unexpired cookie")
    if not any(_domain_applies(c.domain, site.allowed_domains) for c in jar):
        domains = ", ".join(site.allowed_domains)
        raise _problem(site, where, f"holds no cookie for the site's domains ({domains})")
    return jar


def _domain_applies(cookie_domain: str, domains: Sequence[str]) -> bool:
    name = cookie_domain.lstrip(".").lower()
    return any(d == name or d.endswith("." + name) or name.endswith("." + d) for d in domains)
