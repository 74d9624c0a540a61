"""The site form: what its inputs hold, what a submitted form means, and its errors by field.

Lists (start URLs, channels, domains, regexes) are one per line; an empty number means the
deployment's default; `auth` is four names of environment variables or files, never a secret.
Header values are never put in the page: the edit form lists the site's header names, each
with a box to keep it, and takes new headers as `Name: value` lines. What the form gives goes
to `SiteDefinition` for validation, so the page and the loaders can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from jikimi.portal.i18n import TEXT, translate
from jikimi.site_files import FieldProblem

LIST_FIELDS = ("start_urls", "channels", "allowed_domains", "follow", "deny")
TEXT_FIELDS = ("kind", "base_url", "schedule", "robots", "render", "template")
NUMBER_FIELDS = ("max_depth", "max_pages", "concurrency", "delay", "render_timeout")
AUTH_FIELDS = ("headers_env", "headers_file", "cookies_env", "cookies_file")
FORM_FIELDS = ("name", *TEXT_FIELDS, *NUMBER_FIELDS, *LIST_FIELDS, "auth", "headers")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")  # an HTTP token (RFC 9110)


@dataclass
class SiteForm:
    values: dict[str, str]  # what the inputs show (as typed)
    data: dict[str, Any]  # what is validated and written
    problems: list[FieldProblem] = field(default_factory=list)  # found before validation


def parse_form(form: FormData, existing_headers: dict[str, str]) -> SiteForm:
    """What a submitted form asks for. `existing_headers` are the file's, kept by name."""
    values = {k: str(form.get(k) or "") for k in ("name", *TEXT_FIELDS, *NUMBER_FIELDS,
                                                   *LIST_FIELDS, *AUTH_FIELDS, "new_headers")}
    data: dict[str, Any] = {"name": values["name"].strip()}
    for name in TEXT_FIELDS:
        if values[name].strip():
            data[name] = values[name].strip()
    for name in NUMBER_FIELDS:
        if values[name].strip():
            data[name] = values[name].strip()  # SiteDefinition parses and checks the number
    for name in LIST_FIELDS:
        lines = [line.strip() for line in values[name].splitlines() if line.strip()]
        if lines:
            data[name] = lines
    auth = {k: values[k].strip() for k in AUTH_FIELDS if values[k].strip()}
    if auth:
        data["auth"] = auth
    if form.get("paused") == "yes":
        data["paused"] = True
    kept = {str(k) for k in form.getlist("keep_header")}
    headers = {k: v for k, v in existing_headers.items() if k in kept}
    problems = []
    for line in values["new_headers"].splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not HEADER_NAME.match(name.strip()):
            problems.append(FieldProblem("headers", "header_line", "write 'Name: value'"))
            continue
        headers[name.strip()] = value.strip()
    data["headers"] = headers
    return SiteForm(values, data, problems)


def form_values(data: dict[str, Any]) -> dict[str, str]:
    """A site file's fields as the inputs show them (no header values)."""
    values = {"name": str(data.get("name") or "")}
    for name in (*TEXT_FIELDS, *NUMBER_FIELDS):
        value = data.get(name)
        values[name] = "" if value is None else str(value)
    for name in LIST_FIELDS:
        items = data.get(name) or []
        values[name] = "\n".join(str(i) for i in items) if isinstance(items, list) else ""
    auth = data.get("auth") if isinstance(data.get("auth"), dict) else {}
    for name in AUTH_FIELDS:
        values[name] = str((auth or {}).get(name) or "")
    values["new_headers"] = ""
    return values


def messages(problems: list[FieldProblem], lang: str) -> dict[str, list[tuple[str, str]]]:
    """Per field, each problem as (message in `lang`, the check's own English detail or "")."""
    out: dict[str, list[tuple[str, str]]] = {}
    for problem in problems:
        own = f"site_v_{problem.field}"
        key = own if problem.kind == "value_error" and own in TEXT else f"site_e_{problem.kind}"
        if key in TEXT:
            text = translate(key, lang).format(**problem.context) if problem.context \
                else translate(key, lang)
        else:
            text = problem.message
        detail = problem.message if problem.kind == "value_error" and text != problem.message \
            else ""
        out.setdefault(problem.field or "", []).append((text, detail))
    return out
