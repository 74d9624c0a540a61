"""C2PA manifests read and verified offline: the highest-precision provenance a file can carry.

A C2PA manifest is a signed statement about how media was made. Its signature and content hash
tell whether the file is still what was signed; the signing certificate tells who signed it, and
that is only worth something when the chain ends in a root the operator chose to trust
(`signals.c2pa_trust_anchors`). So the evidence keeps three things apart: what the manifest
declares (digitalSourceType), whether the file still matches it (valid/invalid) and whether the
signer is trusted. A tampered manifest is still reported — a re-saved AI image that kept its
manifest is common — but its claims are marked unverified and scored lower. Nothing is fetched:
remote manifests and OCSP are off.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import c2pa

from enrichment.signals.iptc_source_types import declares_synthetic, describe
from kernel.errors import ConfigError
from kernel.records import Evidence

SCORE_VALID_AI = 1.0  # a manifest whose signature and content hash verify declares AI
SCORE_INVALID_AI = 0.6  # the declaration survives in a manifest that no longer matches the file
_MAX_TEXT = 80
_MAX_CODES = 8
_OFFLINE = {"remote_manifest_fetch": False, "ocsp_fetch": False}
# An embedded manifest store is a JUMBF box labelled "c2pa"; a remote one is referenced from XMP
# `dcterms:provenance`. Without either string there is nothing to read, and skipping the SDK then
# matters: it reads through Python callbacks, ~10 µs per PNG chunk, so a hostile file of tiny
# chunks would otherwise cost seconds.
_MARKERS = (b"c2pa", b"provenance")


def _short(text: object) -> str:
    return str(text).replace("\n", " ").strip()[:_MAX_TEXT]


class ManifestVerifier:
    """Reads the C2PA manifest store embedded in media bytes and turns it into evidence."""

    def __init__(self, trust_anchors: Path | None) -> None:
        settings: dict[str, Any] = {"verify": dict(_OFFLINE)}
        self._has_anchors = trust_anchors is not None
        if trust_anchors is not None:
            settings["trust"] = {"trust_anchors": _read_anchors(trust_anchors)}
        self._settings = settings
        self._context, self._pid = self._new_context(), os.getpid()
        self._formats = frozenset(c2pa.Reader.get_supported_mime_types())

    def _new_context(self) -> c2pa.Context:
        try:
            return c2pa.Context.from_dict(self._settings)
        except c2pa.C2paError as exc:
            raise ConfigError(f"C2PA trust anchors unusable: {_short(exc)}") from None

    def _process_context(self) -> c2pa.Context:
        """The SDK refuses a context made before a fork, so each worker process builds its own."""
        if self._pid != os.getpid():
            self._context, self._pid = self._new_context(), os.getpid()
        return self._context

    def supports(self, content_type: str) -> bool:
        return content_type in self._formats

    def assess(self, data: bytes, content_type: str) -> list[Evidence]:
        """The manifest's evidence, an error note, or nothing when the file carries no manifest."""
        if not self.supports(content_type) or not any(m in data for m in _MARKERS):
            return []
        try:
            context = self._process_context()
            reader = c2pa.Reader.try_create(content_type, io.BytesIO(data), None, context)
            if reader is None:
                return []
            with reader:
                store = json.loads(reader.json())
        except c2pa.C2paError as exc:
            return [_read_failure(exc)]
        except (ValueError, RecursionError) as exc:  # the SDK's JSON could not be parsed
            return [_read_failure(exc)]
        return [self._evidence(store)]

    def _evidence(self, store: dict[str, Any]) -> Evidence:
        manifests = store.get("manifests") or {}
        active_label = store.get("active_manifest")
        active = manifests.get(active_label) or {}
        declared = sorted(set(_source_types(active.get("assertions"))))
        from_ingredients = sorted(
            {t for label, m in manifests.items() if label != active_label for t in _source_types(m)}
        )
        state = store.get("validation_state") or "Invalid"
        valid = state in ("Valid", "Trusted")
        trusted = self._has_anchors and state == "Trusted"
        signature = active.get("signature_info") or {}
        value: dict[str, Any] = {
            "state": "valid" if valid else "invalid",
            "trusted": trusted,
            "failure_codes": _failure_codes(store),
            "claim_generator": _claim_generator(active),
            "signer": _short(signature.get("common_name") or "") or None,
            "issuer": _short(signature.get("issuer") or "") or None,
            "digital_source_types": declared,
        }
        if from_ingredients:
            value["ingredient_source_types"] = from_ingredients
        synthetic = declares_synthetic(declared)
        if synthetic is not True and declares_synthetic(from_ingredients) is True:
            synthetic = True
        score = (SCORE_VALID_AI if valid else SCORE_INVALID_AI) if synthetic else None
        return Evidence(
            kind="provenance",
            name="c2pa",
            value=value,
            explanation=_explain(value, valid, synthetic),
            synthetic=synthetic,
            score=score,
        )


def _read_anchors(path: Path) -> str:
    try:
        pem = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"C2PA trust anchors {path}: {exc.__class__.__name__}") from None
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise ConfigError(f"C2PA trust anchors {path}: no PEM certificate in the file")
    return pem


def _read_failure(exc: Exception) -> Evidence:
    message = str(exc)
    remote = re.search(r"from url (\S+)", message)
    if message.startswith("Remote") and remote:
        return Evidence(
            kind="note",
            name="c2pa_remote_manifest",
            value=_short(remote.group(1)),
            explanation=(
                "The file points to a C2PA manifest stored online; it was not fetched "
                "(verification is offline), so what it claims is unknown."
            ),
        )
    return Evidence(
        kind="note",
        name="c2pa_error",
        value=_short(message),
        explanation=(
            "C2PA data in this file could not be read (damaged or unsupported), "
            "so any provenance claim it may carry cannot be checked."
        ),
    )


def _source_types(node: object) -> Iterator[str]:
    """Every `digitalSourceType` string anywhere under a manifest's assertions (actions etc.)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key == "digitalSourceType" and isinstance(child, str):
                    yield child[:200]
                else:
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def _failure_codes(store: dict[str, Any]) -> list[str]:
    results = store.get("validation_results") or {}
    failures = (results.get("activeManifest") or {}).get("failure") or []
    failures += store.get("validation_status") or []  # the older, flat form of the same list
    codes = [str(f.get("code")) for f in failures if isinstance(f, dict) and f.get("code")]
    return list(dict.fromkeys(codes))[:_MAX_CODES]


def _claim_generator(manifest: dict[str, Any]) -> str | None:
    infos = manifest.get("claim_generator_info")
    if isinstance(infos, list) and infos and isinstance(infos[0], dict):
        name = infos[0].get("name") or ""
        version = infos[0].get("version") or ""
        return _short(f"{name} {version}".strip()) or None
    legacy = manifest.get("claim_generator")
    return _short(legacy) if legacy else None


def _explain(value: dict[str, Any], valid: bool, synthetic: bool | None) -> str:
    who = value["signer"] or "an unnamed signer"
    if value["issuer"]:
        who += f" (issuer {value['issuer']})"
    trust = "a trusted" if value["trusted"] else "an untrusted (identity unverified)"
    declared = describe(value["digital_source_types"] + value.get("ingredient_source_types", []))
    what = {
        True: f"declares AI generation ({declared})",
        False: f"declares a capture ({declared})",
        None: f"declares no AI generation (source type: {declared})",
    }[synthetic]
    tool = value["claim_generator"] or "an unnamed tool"
    if not valid:
        integrity = [c for c in value["failure_codes"] if c != "signingCredential.untrusted"]
        codes = ", ".join(integrity or value["failure_codes"]) or "unknown failure"
        return (
            f"A C2PA manifest from {tool} {what}, but it FAILS validation ({codes}): the file "
            f"or manifest changed after signing, so its claims are unverified."
        )
    return f"A valid C2PA manifest from {tool}, signed by {who} with {trust} certificate, {what}."
