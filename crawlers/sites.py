"""Site definitions: what to crawl, how far, how politely. One YAML file per site.

Operators describe a site once (`<data-dir>/sites/<name>.yaml`) and the scheduler and the CLI crawl
it by name; `--url` builds an ad-hoc definition. Everything is validated on load, so a typo
(an unknown key, a broken regex, a bad cron schedule) is a one-line `ConfigError` naming the file
rather than a crawl that quietly does something else.

Limits left unset (`max_depth`, `max_pages`) come from the crawl settings section; pass it to the
loaders, or call :meth:`SiteDefinition.resolve` (the crawl does) to fill them in. This module
takes only that section and the sites folder, never the whole `Settings`: the application
(`jikimi/`) picks them out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawlers.cron import validate_cron
from kernel.errors import ConfigError
from kernel.settings import CrawlSettings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_CHANNEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,63}$")


SourceKind = Literal["web", "telegram"]
# Forum and gallery engines whose markup a site template knows (crawlers/templates/).
ForumTemplate = Literal["xenforo", "phpbb", "vbulletin", "discourse", "wordpress"]


class SiteAuth(BaseModel):
    """Cookies or headers for a login-walled site an NGO is entitled to enter. The values live
    in a secret file or an environment variable named here, never in the site file, the logs or
    the crawl report; they are read in the crawling process when the crawl starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    headers_env: str | None = None  # env var holding a JSON object of header -> value
    headers_file: Path | None = None  # file holding a JSON object of header -> value
    cookies_env: str | None = None  # env var holding a Cookie header value ("a=1; b=2")
    cookies_file: Path | None = None  # file holding a Cookie header value or a Netscape jar

    @model_validator(mode="after")
    def _one_source_at_least(self) -> SiteAuth:
        if not any((self.headers_env, self.headers_file, self.cookies_env, self.cookies_file)):
            raise ValueError("name at least one of headers_env, headers_file, cookies_env, "
                             "cookies_file")
        return self


class SiteDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    # "web": pages from start_urls (HTML, feeds, sitemaps); "telegram": public channel previews
    # (`<base_url>/s/<channel>`), whose start URLs are derived from `channels`.
    kind: SourceKind = "web"
    start_urls: list[str] = Field(default_factory=list)  # at least one unless kind: telegram
    channels: list[str] = Field(default_factory=list)  # kind: telegram, public channel names
    base_url: str = "https://t.me"  # kind: telegram; tests point it at a local copy
    render: Literal["static", "browser"] = "static"  # browser: headless Chromium renders pages
    render_timeout: float = Field(default=20.0, gt=0, le=300)  # seconds per rendered page
    template: ForumTemplate | None = None  # a forum engine's pagination and attachment rules
    auth: SiteAuth | None = None
    paused: bool = False  # an operator paused it: no scheduled crawl until resumed
    allowed_domains: list[str] = Field(default_factory=list)  # default: hosts of start_urls
    follow: list[str] = Field(default_factory=list)  # regexes a page URL must match (any)
    deny: list[str] = Field(default_factory=list)  # regexes that exclude a page or media URL
    max_depth: int | None = Field(default=None, ge=0)
    max_pages: int | None = Field(default=None, ge=1)
    schedule: str = "0 */6 * * *"
    robots: Literal["obey", "ignore"] = "obey"
    concurrency: int = Field(default=2, ge=1, le=64)
    delay: float = Field(default=0.5, ge=0, le=3600)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use letters, digits, '.', '_' or '-' (at most 100)")
        return value

    @field_validator("start_urls")
    @classmethod
    def _check_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL with a host")
        return urls

    @field_validator("follow", "deny")
    @classmethod
    def _check_patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from None
        return patterns

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        return validate_cron(value)

    @field_validator("allowed_domains")
    @classmethod
    def _normalise_domains(cls, domains: list[str]) -> list[str]:
        return [d.strip().lower().rstrip(".") for d in domains if d.strip()]

    @field_validator("channels")
    @classmethod
    def _check_channels(cls, channels: list[str]) -> list[str]:
        for channel in channels:
            if not _CHANNEL.match(channel):
                raise ValueError(f"{channel!r} is not a public channel name (letters, digits, "
                                 "'_', 4 to 64)")
        return channels

    @model_validator(mode="after")
    def _start_points(self) -> SiteDefinition:
        if self.kind == "telegram":
            if not self.channels:
                raise ValueError("kind: telegram needs channels")
            if not self.start_urls:
                base = self.base_url.rstrip("/")
                object.__setattr__(self, "start_urls", [f"{base}/s/{c}" for c in self.channels])
            self._check_urls(self.start_urls)
        elif not self.start_urls:
            raise ValueError("start_urls: give at least one URL")
        elif self.channels:
            raise ValueError("channels: only for kind: telegram")
        return self

    @model_validator(mode="after")
    def _default_domains(self) -> SiteDefinition:
        if not self.allowed_domains:
            hosts = dict.fromkeys(urlsplit(u).hostname or "" for u in self.start_urls)
            object.__setattr__(self, "allowed_domains", [h for h in hosts if h])
        return self

    def resolve(self, crawl: CrawlSettings) -> SiteDefinition:
        """This definition with unset limits taken from the crawl settings."""
        return self.model_copy(
            update={
                "max_depth": crawl.default_max_depth if self.max_depth is None else self.max_depth,
                "max_pages": crawl.default_max_pages if self.max_pages is None else self.max_pages,
            }
        )


def load_site(path: str | Path, crawl: CrawlSettings | None = None) -> SiteDefinition:
    """Read one YAML site file; its name defaults to the file's stem. With `crawl`, unset limits
    are filled in from it."""
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"site file {source}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise ConfigError(f"site file {source}: invalid YAML{line}") from None
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ConfigError(f"site file {source}: expected a mapping of fields, not {kind}")
    data.setdefault("name", source.stem)
    site = _validate(data, str(source))
    return site.resolve(crawl) if crawl is not None else site


def load_sites(directory: str | Path, crawl: CrawlSettings | None = None) -> list[SiteDefinition]:
    """Every `*.yaml` / `*.yml` site in `directory`, sorted by file name; none if it is missing."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    return [load_site(p, crawl) for p in files]


def site_from_url(url: str, crawl: CrawlSettings | None = None) -> SiteDefinition:
    """An ad-hoc definition crawling from one URL (the CLI's `--url`)."""
    host = urlsplit(url).hostname or ""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", host)[:100] or "adhoc"
    site = _validate({"name": name, "start_urls": [url]}, url)
    return site.resolve(crawl) if crawl is not None else site


def find_site(name_or_path: str | Path, sites_dir: Path, crawl: CrawlSettings) -> SiteDefinition:
    """A site by file path, or by name from `sites_dir` (`<data-dir>/sites/NAME.yaml`), with unset
    limits filled in from `crawl`."""
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix in {".yaml", ".yml"} or "/" in text or candidate.is_file():
        if not candidate.is_file():
            raise ConfigError(f"site file not found: {candidate}")
        return load_site(candidate, crawl)
    if not _NAME.match(text):
        raise ConfigError(f"invalid site name: {text!r}")
    for suffix in (".yaml", ".yml"):
        path = sites_dir / f"{text}{suffix}"
        if path.is_file():
            return load_site(path, crawl)
    raise ConfigError(f"no site named {text!r} in {sites_dir}")


def _validate(data: dict[str, object], source: str) -> SiteDefinition:
    try:
        return SiteDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "site"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"site file {source}: {where}: {message}") from None
