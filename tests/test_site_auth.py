"""Reading a login-walled site's secrets (`crawlers.site_auth`): what is sent where, and every
way a secret can be missing or wrong, each a one-line ConfigError that never shows the value."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from scrapy import Request

from crawlers.site_auth import AuthSecrets, SiteAuthMiddleware, load_auth
from crawlers.sites import SiteDefinition
from kernel.errors import ConfigError

SECRET = "tok-9f2c71d8e4a6b053"
COOKIE = "sid-4be7a90c13d2f856"


def walled(**auth: object) -> SiteDefinition:
    return SiteDefinition.model_validate({
        "name": "walled", "start_urls": ["https://forum.example.org/gallery/"],
        "allowed_domains": ["example.org"], "auth": auth})


def secret_file(tmp_path: Path, name: str, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def jar_file(tmp_path: Path, *lines: tuple[str, ...], mode: int = 0o600) -> Path:
    rows = ["# Netscape HTTP Cookie File", *("\t".join(row) for row in lines)]
    return secret_file(tmp_path, "cookies.txt", "\n".join(rows) + "\n", mode)


def test_headers_and_cookies_go_to_the_sites_own_hosts_only(tmp_path: Path) -> None:
    headers = secret_file(tmp_path, "h.json", json.dumps({"X-Forum-Token": SECRET}))
    site = walled(headers_file=str(headers), cookies_env="WALL")
    secrets = load_auth(site, {"WALL": f"sid={COOKIE}; lang=ko"})
    assert secrets is not None and secrets.header_names == ["X-Forum-Token", "Cookie"]
    expected = {"X-Forum-Token": SECRET, "Cookie": f"sid={COOKIE}; lang=ko"}
    assert secrets.headers_for("https://forum.example.org/t/1") == expected
    assert secrets.headers_for("https://example.org/") == expected
    for elsewhere in ("https://cdn.example.net/a.jpg", "https://evilexample.org/",
                      "https://example.org.evil.net/", "not a url", "https://[::1"):
        assert secrets.headers_for(elsewhere) == {}
    assert SECRET not in repr(secrets) and COOKIE not in repr(secrets)


def test_env_headers_override_file_headers_and_a_cookie_header_joins_the_cookies(
        tmp_path: Path) -> None:
    headers = secret_file(tmp_path, "h.json", json.dumps({"Authorization": "Basic old"}))
    site = walled(headers_file=str(headers), headers_env="HDRS", cookies_env="WALL")
    env = {"HDRS": json.dumps({"Authorization": f"Bearer {SECRET}", "cookie": "a=1"}),
           "WALL": f"sid={COOKIE}"}
    secrets = load_auth(site, env)
    assert secrets is not None
    assert secrets.headers_for("https://example.org/") == {
        "Authorization": f"Bearer {SECRET}", "Cookie": f"a=1; sid={COOKIE}"}


def test_a_netscape_jar_applies_each_cookies_domain_path_secure_flag_and_expiry(
        tmp_path: Path) -> None:
    later = str(int(time.time()) + 86400)
    path = jar_file(
        tmp_path,
        ("#HttpOnly_.example.org", "TRUE", "/", "FALSE", later, "sid", COOKIE),  # browser export
        ("forum.example.org", "FALSE", "/members/", "FALSE", "0", "member", "yes"),  # session
        (".example.org", "TRUE", "/", "TRUE", later, "secure_only", "1"),
        (".example.org", "TRUE", "/", "FALSE", "1000", "expired", "old"),
        (".tracker.example.net", "TRUE", "/", "FALSE", later, "other", "x"),
    )
    secrets = load_auth(walled(cookies_file=str(path)), {})
    assert secrets is not None
    assert secrets.headers_for("http://forum.example.org/t/1") == {"Cookie": f"sid={COOKIE}"}
    members = secrets.headers_for("https://forum.example.org/members/2")["Cookie"]
    assert sorted(members.split("; ")) == ["member=yes", "secure_only=1", f"sid={COOKIE}"]
    assert secrets.headers_for("https://tracker.example.net/") == {}  # off the site


def test_the_middleware_sets_secrets_on_site_and_strips_them_from_any_other_host(
        tmp_path: Path) -> None:
    headers = secret_file(tmp_path, "h.json", json.dumps({"X-Forum-Token": SECRET}))
    secrets = load_auth(walled(headers_file=str(headers), cookies_env="WALL"),
                        {"WALL": f"sid={COOKIE}"})
    middleware = SiteAuthMiddleware(secrets)
    page = Request("https://forum.example.org/gallery/", headers={"Accept-Language": "ko"})
    middleware.process_request(page)
    assert page.headers.get("X-Forum-Token") == SECRET.encode()
    assert page.headers.get("Cookie") == f"sid={COOKIE}".encode()
    # A redirect copies the page request's headers onto a request for another host.
    moved = page.replace(url="https://cdn.example.net/a.jpg")
    middleware.process_request(moved)
    assert "X-Forum-Token" not in moved.headers and "Cookie" not in moved.headers
    assert moved.headers.get("Accept-Language") == b"ko"  # the site's plain headers stay
    SiteAuthMiddleware(None).process_request(bare := Request("https://example.org/"))
    assert "Cookie" not in bare.headers


def test_no_auth_reads_nothing() -> None:
    site = SiteDefinition(name="open", start_urls=["https://example.org/"])
    assert load_auth(site, {}) is None


@pytest.mark.parametrize(("auth", "env", "files", "message"), [
    ({"cookies_env": "WALL"}, {}, {}, "auth.cookies_env WALL: environment variable not set"),
    ({"headers_env": "HDRS"}, {"HDRS": "  "}, {}, "auth.headers_env HDRS: environment variable "
                                                  "is empty"),
    ({"headers_env": "HDRS"}, {"HDRS": "{'X-Token': 'tok-9f2c71d8e4a6b053'}"}, {},
     "not valid JSON (line 1 column 2)"),
    ({"headers_env": "HDRS"}, {"HDRS": json.dumps(["tok-9f2c71d8e4a6b053"])}, {},
     "must be a JSON object of header names to string values"),
    ({"headers_env": "HDRS"}, {"HDRS": json.dumps({"Bearer tok-9f2c71d8e4a6b053": "x"})}, {},
     "entry 1: not a valid header name"),
    ({"headers_env": "HDRS"}, {"HDRS": json.dumps({"X-Token": "tok-9f2c71d8e4a6b053\r\nX: y"})},
     {}, "header X-Token: the value must be a non-empty string of printable ASCII on one line"),
    ({"headers_env": "HDRS"}, {"HDRS": json.dumps({"X-Token": "tok-9f2c71d8e4a6b053\u2019"})},
     {}, "header X-Token: the value must be a non-empty string of printable ASCII"),
    ({"cookies_env": "WALL"}, {"WALL": "sid=tok-9f2c71d8e4a6b053\u00e9"}, {},
     "must be one Cookie header line"),
    ({"headers_env": "HDRS"}, {"HDRS": json.dumps({"Host": "tok-9f2c71d8e4a6b053"})}, {},
     "header Host cannot be set"),
    ({"cookies_env": "WALL"}, {"WALL": "tok-9f2c71d8e4a6b053"}, {},
     "must be one Cookie header line"),
    ({"cookies_file": "cookie.txt"}, {}, {"cookie.txt": ("sid=tok-9f2c71d8e4a6b053", 0o600)},
     "give an absolute path"),
    ({"cookies_file": "{tmp}/none.txt"}, {}, {}, "file not found"),
    ({"cookies_file": "{tmp}"}, {}, {}, "not a regular file"),
    ({"cookies_file": "{tmp}/c.txt"}, {}, {"c.txt": ("sid=tok-9f2c71d8e4a6b053", 0o644)},
     "readable by group or others (mode 644): chmod 600 it"),
    ({"headers_file": "{tmp}/h.json"}, {}, {"h.json": ('{"X-Token": "tok-9f2c71d8e4a6b053"}',
                                                      0o640)}, "readable by group or others"),
    ({"cookies_file": "{tmp}/c.txt"}, {}, {"c.txt": ("# Netscape HTTP Cookie File\n"
                                                     "tok-9f2c71d8e4a6b053 broken line\n", 0o600)},
     "not a valid Netscape cookies.txt file"),
    ({"cookies_file": "{tmp}/c.txt"}, {}, {"c.txt": ("# Netscape HTTP Cookie File\n.example.org"
                                                     "\tTRUE\t/\tFALSE\t1000\tsid\t"
                                                     "tok-9f2c71d8e4a6b053\n", 0o600)},
     "holds no unexpired cookie"),
    ({"cookies_file": "{tmp}/c.txt"}, {}, {"c.txt": ("# Netscape HTTP Cookie File\n.other.net"
                                                     "\tTRUE\t/\tFALSE\t0\tsid\t"
                                                     "tok-9f2c71d8e4a6b053\n", 0o600)},
     "holds no cookie for the site's domains (example.org)"),
])
def test_a_missing_or_bad_secret_is_one_line_naming_the_source_never_the_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auth: dict[str, str],
        env: dict[str, str], files: dict[str, tuple[str, int]], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    for name, (text, mode) in files.items():
        secret_file(tmp_path, name, text, mode)
    auth = {key: value.replace("{tmp}", str(tmp_path)) for key, value in auth.items()}
    with pytest.raises(ConfigError) as caught:
        load_auth(walled(**auth), env)
    text = str(caught.value)
    assert text.startswith("site walled: auth.") and message in text
    assert "\n" not in text and SECRET not in text
    # a chained JSONDecodeError or LoadError would carry the text read (`.doc`, the bad line)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_secrets_survive_scrapys_settings_copy_without_being_copied(tmp_path: Path) -> None:
    import copy

    secrets = load_auth(walled(cookies_env="WALL"), {"WALL": f"sid={COOKIE}"})
    assert isinstance(secrets, AuthSecrets) and copy.deepcopy(secrets) is secrets
