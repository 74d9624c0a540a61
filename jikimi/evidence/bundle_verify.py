"""Check an evidence bundle again, byte for byte, before anyone relies on it.

A bundle leaves jikimi (attached to a notice, handed to a regulator, copied off the locker), and
a local locker is only a folder: whoever holds a copy must be able to tell whether anything in it
changed. `verify_bundle` re-hashes the WARC and the capture log against the manifest, every WARC
record against its own digests, every response payload against the manifest and the log, the
manifest against its own seal (`manifest_sha256`) and its canonical form, and, for a bundle in
the locker, every file against the SHA-256 the audit log recorded when it was written. Each
difference is a problem that names the file, the record and both values; none stops the others.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from jikimi.evidence.bundle import (
    CONTENT_TYPES,
    LOG_NAME,
    MANIFEST_NAME,
    SCHEMA,
    WARC_NAME,
    reference,
    seal,
)
from jikimi.evidence.capture import canonical_json, sha256_hex
from jikimi.evidence.warc import digest_hex
from kernel.errors import ConfigError, JikimiError
from search.evidence.audited import AuditedEvidence

_GZIP_MAGIC = b"\x1f\x8b\x08"


@dataclass
class VerifyReport:
    source: str
    ok: bool = False
    bundle_id: str | None = None
    batch_id: str | None = None
    manifest_sha256: str | None = None  # compare with the hash a notice or the audit log cites
    payloads: int = 0  # response payloads re-hashed
    anchored: bool | None = None  # locker only: every file as the audit log saw it written
    problems: list[str] = field(default_factory=list)


def verify_bundle(source: Path | str, evidence: AuditedEvidence | None = None) -> VerifyReport:
    """`source`: a folder holding the three files, or a locker key prefix
    (`bundles/<batch_id>/<bundle_id>`), read through `evidence` so the reads are audited."""
    report = VerifyReport(str(source))
    files = _read(source, evidence, report.problems)
    manifest = _manifest(files.get(MANIFEST_NAME), report) if MANIFEST_NAME in files else None
    if manifest is not None:
        _check_files(files, manifest, report.problems)
        log = _log(files.get(LOG_NAME, b""), report.problems)
        payloads = _check_warc(files.get(WARC_NAME), manifest, log, report)
        _check_log(log, manifest, report.problems)
        _check_items(manifest, payloads, report.problems)
    if isinstance(source, str) and evidence is not None:
        _check_anchor(evidence, _prefix(source), files, report)
    report.ok = not report.problems
    if evidence is not None:
        evidence.audit("evidence.verify", str(source), ok=report.ok,
                       problems=len(report.problems), bundle=report.bundle_id)
    return report


def _prefix(source: str) -> str:
    return source.rstrip("/") + "/"


def _read(source: Path | str, evidence: AuditedEvidence | None,
          problems: list[str]) -> dict[str, bytes]:
    files = {}
    for name in CONTENT_TYPES:
        try:
            if isinstance(source, Path):
                files[name] = (source / name).read_bytes()
            elif evidence is None:
                raise ConfigError("a bundle in the locker is read through the audited locker")
            else:
                files[name] = evidence.read(_prefix(source) + name)
        except (OSError, JikimiError) as exc:
            if isinstance(exc, ConfigError):
                raise
            problems.append(f"{name} is missing: {exc}")
    return files


def _manifest(raw: bytes | None, report: VerifyReport) -> dict[str, Any] | None:
    try:
        doc: dict[str, Any] = json.loads(raw or b"")
        assert isinstance(doc, dict)
    except (ValueError, AssertionError):
        report.problems.append(f"{MANIFEST_NAME} is not a JSON object: it cannot be checked")
        return None
    report.bundle_id, report.batch_id = doc.get("bundle_id"), doc.get("batch_id")
    report.manifest_sha256 = sha256_hex(raw or b"")
    body = {k: v for k, v in doc.items() if k != "manifest_sha256"}
    if doc.get("manifest_sha256") != sha256_hex(canonical_json(body)):
        report.problems.append(f"{MANIFEST_NAME}: its entries no longer hash to its "
                               f"manifest_sha256 {doc.get('manifest_sha256')} (an entry changed)")
    elif seal(doc) != raw:
        report.problems.append(f"{MANIFEST_NAME} is not in the canonical form it was sealed in "
                               "(bytes changed outside its entries)")
    if doc.get("schema") != SCHEMA:
        report.problems.append(f"{MANIFEST_NAME}: schema {doc.get('schema')!r}, not {SCHEMA}")
    return doc


def _check_files(files: dict[str, bytes], manifest: dict[str, Any], problems: list[str]) -> None:
    listed = manifest.get("files") or {}
    for name in (WARC_NAME, LOG_NAME):
        if name not in files:
            continue
        want = listed.get(name) or {}
        got = {"sha256": sha256_hex(files[name]), "bytes": len(files[name])}
        for what in ("sha256", "bytes"):
            if want.get(what) != got[what]:
                problems.append(f"{name}: {what} {got[what]} differs from the manifest's "
                                f"{want.get(what)}")


def _log(raw: bytes, problems: list[str]) -> list[dict[str, Any]]:
    entries = []
    for n, line in enumerate(raw.splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            problems.append(f"{LOG_NAME} line {n} is not JSON")
            continue
        if canonical_json(entry) != line:
            problems.append(f"{LOG_NAME} line {n} is not in its canonical form (edited)")
        entries.append(entry)
    return entries


def _check_warc(raw: bytes | None, manifest: dict[str, Any], log: list[dict[str, Any]],
                report: VerifyReport) -> dict[str, str]:
    """Re-hash every record; the payload SHA-256 of each response record, by record id."""
    problems = report.problems
    listed = {c["warc_record_id"]: c for c in manifest.get("captures", [])}
    logged = {e["warc_record_id"]: e for e in log if e.get("warc_record_id")}
    payloads: dict[str, str] = {}
    if raw is None:
        return payloads
    try:
        for record in ArchiveIterator(io.BytesIO(_gunzip(raw, problems)), check_digests=True):
            rid = str(record.rec_headers.get_header("WARC-Record-ID"))
            where = f"{WARC_NAME} record {rid} ({record.rec_headers.get_header('WARC-Target-URI')})"
            body = record.raw_stream.read()
            problems.extend(f"{where}: {p}" for p in record.digest_checker.problems
                            if p.startswith("block digest"))  # payloads: checked below
            if record.rec_type == "warcinfo":
                _check_warcinfo(body, manifest, problems)
            elif record.rec_type == "response":
                payloads[rid] = digest = sha256_hex(body)
                report.payloads += 1
                _check_payload(where, digest, record, listed.get(rid), logged.get(rid), problems)
    except Exception as exc:  # a changed header can surface as anything in warcio's parser
        problems.append(f"{WARC_NAME} cannot be parsed to its end: {type(exc).__name__}: {exc}")
    for rid in sorted(set(listed) - set(payloads)):
        problems.append(f"{WARC_NAME}: response record {rid} of the manifest is missing")
    return payloads


def _gunzip(raw: bytes, problems: list[str]) -> bytes:
    """The WARC's records uncompressed, gzip member by member (one per record). A member that
    fails its CRC is named and skipped up to the next gzip header, so one flipped compressed
    byte costs one record, and the records after it are still checked."""
    out, at, member = [], 0, 0
    while at < len(raw):
        inflate = zlib.decompressobj(wbits=31)
        try:
            data = inflate.decompress(raw[at:]) + inflate.flush()
            if not inflate.eof:
                raise zlib.error("truncated")
        except zlib.error as exc:
            problems.append(f"{WARC_NAME}: gzip member {member} at byte {at} is corrupt "
                            f"({exc}); its record cannot be read")
            found = raw.find(_GZIP_MAGIC, at + 1)
            at, member = (found if found > 0 else len(raw)), member + 1
            continue
        out.append(data)
        at, member = len(raw) - len(inflate.unused_data), member + 1
    return b"".join(out)


def _check_payload(where: str, digest: str, record: Any, listed: dict[str, Any] | None,
                   logged: dict[str, Any] | None, problems: list[str]) -> None:
    declared = digest_hex(str(record.rec_headers.get_header("WARC-Payload-Digest") or ""))
    if declared != digest:
        problems.append(f"{where}: payload sha256 {digest} does not match its "
                        f"WARC-Payload-Digest ({declared})")
    for name, entry, key in (("the manifest", listed, "payload_sha256"),
                             (LOG_NAME, logged, "sha256")):
        if entry is None:
            problems.append(f"{where}: not listed in {name}")
        elif entry.get(key) != digest:
            problems.append(f"{where}: payload sha256 {digest} differs from {name}'s "
                            f"{entry.get(key)}")


def _check_warcinfo(body: bytes, manifest: dict[str, Any], problems: list[str]) -> None:
    fields = dict(line.split(": ", 1) for line in body.decode("utf-8", "replace").splitlines()
                  if ": " in line)
    for name, key in (("jikimi-batch", "batch_id"), ("jikimi-bundle", "bundle_id")):
        if fields.get(name) != manifest.get(key):
            problems.append(f"{WARC_NAME} warcinfo: {name} {fields.get(name)!r} differs from "
                            f"the manifest's {key} {manifest.get(key)!r}")


def _check_log(log: list[dict[str, Any]], manifest: dict[str, Any], problems: list[str]) -> None:
    captured = {c["warc_record_id"]: c for c in manifest.get("captures", [])}
    failed = {(f["kind"], f["url"]) for f in manifest.get("failed", [])}
    seen = set()
    for entry in log:
        rid = entry.get("warc_record_id")
        if rid is None:
            if (entry.get("kind"), entry.get("url")) not in failed:
                problems.append(f"{LOG_NAME}: failed fetch of {entry.get('url')} is not "
                                "in the manifest")
            continue
        seen.add(rid)
        listed = captured.get(rid)
        if listed is not None and any(listed.get(k) != entry.get(k) for k in
                                      ("url", "kind", "status", "final_url", "item_ids")):
            problems.append(f"{LOG_NAME}: the entry of record {rid} differs from the manifest")
    for rid in sorted(set(captured) - seen):
        problems.append(f"{LOG_NAME}: no entry for record {rid} of the manifest")


def _check_items(manifest: dict[str, Any], payloads: dict[str, str], problems: list[str]
                 ) -> None:
    for item in manifest.get("items", []):
        where = f"{MANIFEST_NAME} item {item.get('item_id')}"
        media, page = item.get("media_record"), item.get("page_record")
        for rid in (media, page):
            if rid and rid not in payloads:
                problems.append(f"{where}: record {rid} is not in the WARC")
        if media in payloads and payloads[media] != item.get("media_sha256"):
            problems.append(f"{where}: media_sha256 differs from record {media}'s payload")
        if item.get("media_sha256") is not None and item.get("media_matches_item") != (
                item.get("media_sha256") == item.get("expected_media_sha256")):
            problems.append(f"{where}: media_matches_item contradicts its hashes")
        cited = media or page
        want = (reference(str(manifest.get("batch_id")), str(manifest.get("bundle_id")), cited),
                payloads.get(cited)) if cited else (None, None)
        if (item.get("reference"), item.get("reference_sha256")) != want:
            problems.append(f"{where}: its reference does not point at the record it cites")


def _check_anchor(evidence: AuditedEvidence, prefix: str, files: dict[str, bytes],
                  report: VerifyReport) -> None:
    """Each file against the SHA-256 its `evidence.write` audit event recorded."""
    anchored = True
    for name, data in files.items():
        written = [e.detail.get("sha256") for e in evidence.store.audit_events(prefix + name)
                   if e.action == "evidence.write"]
        if not written:
            anchored = False
        elif sha256_hex(data) not in written:
            anchored = False
            report.problems.append(f"{name}: sha256 {sha256_hex(data)} is not what the audit "
                                   f"log recorded when it was written ({written[0]})")
    report.anchored = anchored
