"""Per-batch evidence bundles against the demo site (127.0.0.1): the WARC holds every exchange
with the bytes served, the manifest the right hashes, failures are logged without losing the
rest, verification catches a changed byte anywhere, and every access is audited."""

from __future__ import annotations

import gzip
import io
import json
import socket
import urllib.request
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from jikimi import registry
from jikimi.cli import main
from jikimi.commands.review import cli_actor
from jikimi.demo.site import FixtureServer, photo_bytes
from jikimi.evidence.bundle import LOG_NAME, MANIFEST_NAME, WARC_NAME, BundleReport, build_bundle
from jikimi.evidence.bundle_verify import verify_bundle
from jikimi.takedown import build_batch
from kernel.settings import Settings
from search.evidence.audited import AuditedEvidence
from tests import evidence_site
from tests.evidence_site import Hits, seeded_settings, sha256
from tests.factories import make_sighting

demo_site = evidence_site.demo_site  # fixture
PHOTO = photo_bytes("person_a_2.jpg")


def closed_port() -> int:
    """A local port nothing listens on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup(tmp_path: Path, base_url: str) -> tuple[Settings, Hits, str]:
    """The three demo hits (one URL serves other bytes now, one is gone), plus the first one's
    media seen on a page that redirects (`/gallery` -> `/gallery/`) and on a refused port, in a
    batch; evidence in a file:// locker."""
    settings, hits = seeded_settings(
        tmp_path, base_url, evidence={"uri": (tmp_path / "locker").resolve().as_uri()})
    refused = f"http://127.0.0.1:{closed_port()}"
    with closing(registry.open_store(settings)) as store:
        store.add_sighting(make_sighting(hits.matching.media_id, site="demo",
                                         media_url=f"{refused}/media/a.jpg",
                                         page_url=f"{refused}/gallery/a.html"))
        store.add_sighting(make_sighting(hits.matching.media_id, site="demo",
                                         media_url=f"{base_url}/media/person_a_2.jpg",
                                         page_url=f"{base_url}/gallery"))
        batch = build_batch(store, settings, "cli:team")
    return settings, hits, batch.batch_id


def bundle(settings: Settings, batch_id: str, out: Path | None = None,
           operator: str = "operator-kim") -> BundleReport:
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, operator)
        return build_bundle(store, evidence, settings, batch_id, out_dir=out)


def records(warc: bytes) -> list[tuple[str, str, str, bytes, str | None]]:
    """(type, record id, target URI, payload, status) of every record."""
    found = []
    for record in ArchiveIterator(io.BytesIO(warc)):
        status = record.http_headers.get_statuscode() if record.rec_type == "response" else None
        found.append((record.rec_type, str(record.rec_headers.get_header("WARC-Record-ID")),
                      str(record.rec_headers.get_header("WARC-Target-URI")),
                      record.raw_stream.read(), status))
    return found


def test_bundle_holds_every_fetch_and_verifies(demo_site: FixtureServer, tmp_path: Path) -> None:
    settings, hits, batch_id = setup(tmp_path, demo_site.base_url)
    report = bundle(settings, batch_id)
    assert report.prefix == f"bundles/{batch_id}/{report.bundle_id}/"
    assert (report.urls, report.captured, report.failed) == (9, 6, 3)
    locker = registry.open_evidence(settings)
    files = {name: locker.get(key) for name, key in report.keys.items()}
    assert list(report.keys) == [WARC_NAME, LOG_NAME, MANIFEST_NAME]

    found = records(files[WARC_NAME])
    assert found[0][0] == "warcinfo"
    info = found[0][3].decode()
    assert f"jikimi-batch: {batch_id}" in info and "operator: operator-kim" in info
    for name, data in files.items():  # never a person's name or id, anywhere in the bundle
        plain = gzip.decompress(data) if name == WARC_NAME else data
        assert b"Demo Person" not in plain and hits.matching.person_id.encode() not in plain
    responses = {uri: (rid, body, status) for kind, rid, uri, body, status in found
                 if kind == "response"}
    requests = [uri for kind, _, uri, _, _ in found if kind == "request"]
    assert sorted(requests) == sorted(responses) and len(responses) == 7  # 7 URLs answered
    base = demo_site.base_url
    assert responses[f"{base}/media/person_a_2.jpg"][1:] == (PHOTO, "200")
    page = urllib.request.urlopen(f"{base}/gallery/2.html").read()
    assert responses[f"{base}/gallery/2.html"][1] == page
    assert responses[f"{base}/media/deleted.jpg"][2] == "404"  # the answer is evidence too

    manifest = json.loads(files[MANIFEST_NAME])
    assert manifest["files"][WARC_NAME] == {"sha256": sha256(files[WARC_NAME]),
                                            "bytes": len(files[WARC_NAME])}
    assert manifest["files"][LOG_NAME]["sha256"] == sha256(files[LOG_NAME])
    by_url = {c["url"]: c for c in manifest["captures"]}
    photo = by_url[f"{base}/media/person_a_2.jpg"]
    assert photo["payload_sha256"] == sha256(PHOTO)
    assert photo["warc_record_id"] == responses[f"{base}/media/person_a_2.jpg"][0]
    assert {f["error"].split(":")[0] for f in manifest["failed"]} == {"cannot fetch http"}
    assert len(photo["item_ids"]) == 2  # one fetch for the two items that share the media
    log = {e["url"]: e for e in map(json.loads, files[LOG_NAME].splitlines())}
    moved = log[f"{base}/gallery"]
    assert moved["final_url"] == f"{base}/gallery/" and moved["redirects"] == [f"{base}/gallery"]
    assert moved["warc_record_id"] == responses[f"{base}/gallery/"][0]

    items = {(i.media_url, i.page_url): i for i in report.items.values()}
    matching = items[(f"{base}/media/person_a_2.jpg", f"{base}/gallery/2.html")]
    assert matching.media_matches_item and matching.reference_sha256 == sha256(PHOTO)
    record_id = photo["warc_record_id"].strip("<>")
    assert report.citation(matching.item_id) == \
        f"bundle:{batch_id}/{report.bundle_id}#{record_id} sha256:{sha256(PHOTO)}"
    replaced = items[(f"{base}/media/impostor_1.jpg", f"{base}/gallery/1.html")]
    assert replaced.media_matches_item is False  # the host serves other bytes now
    gone = items[(f"{base}/media/deleted.jpg", f"{base}/gallery/3.html")]
    assert gone.media_record is None and gone.page_record
    assert gone.reference and gone.reference.endswith("#" + gone.page_record.strip("<>"))
    assert gone.errors == ["media: answered HTTP 404"]
    assert {i["item_id"]: i["citation"] for i in manifest["items"]} == {
        i: report.citation(i) for i in report.items}

    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-lee")
        verified = verify_bundle(report.prefix, evidence)
        assert verified.ok and verified.anchored and verified.payloads == 7, verified.problems
        assert verified.manifest_sha256 == report.manifest_sha256
        events = store.audit_events()
    (made,) = [e for e in events if e.action == "evidence.bundle"]
    assert made.actor == "operator-kim" and made.detail["batch"] == batch_id
    assert (made.detail["captured"], made.detail["failed"]) == (6, 3)
    writes = [e.subject for e in events if e.action == "evidence.write"]
    assert writes == list(report.keys.values())  # the manifest last
    reads = {e.subject for e in events if e.action == "evidence.read" and e.actor == "operator-lee"}
    assert reads == set(report.keys.values())
    assert any(e.action == "evidence.verify" and e.detail["ok"] for e in events)


def test_refused_addresses_are_logged_and_the_bundle_kept(
    demo_site: FixtureServer, tmp_path: Path
) -> None:
    settings, _, batch_id = setup(tmp_path, demo_site.base_url)
    settings.evidence.allow_private = False
    report = bundle(settings, batch_id, tmp_path / "out")
    assert (report.captured, report.failed) == (0, 9) and not report.ok
    assert all("non-public address" in e for e in report.errors)
    log = [json.loads(line) for line in (tmp_path / "out" / LOG_NAME).read_bytes().splitlines()]
    assert len(log) == 9 and all(e["warc_record_id"] is None and e["error"] for e in log)
    assert all(i.reference is None and i.citation is None for i in report.items.values())
    assert verify_bundle(tmp_path / "out").ok


def gzip_members(data: bytes) -> list[bytes]:
    members = []
    while data:
        inflate = zlib.decompressobj(wbits=31)
        members.append(inflate.decompress(data))
        data = inflate.unused_data
    return members


def altered(folder: Path, tmp_path: Path, name: str, change: object) -> Path:
    copy = tmp_path / f"altered-{len(list(tmp_path.glob('altered-*')))}"
    copy.mkdir()
    for file in folder.iterdir():
        data = file.read_bytes()
        (copy / file.name).write_bytes(change(data) if file.name == name else data)  # type: ignore[operator]
    return copy


def flip_in_payload(warc: bytes) -> bytes:
    """The WARC with one byte of the photo changed, recompressed member by member: the gzip
    is sound, only content differs."""
    members = gzip_members(warc)
    (n,) = [i for i, m in enumerate(members) if PHOTO[:4096] in m]
    at = members[n].index(PHOTO) + 2000
    members[n] = members[n][:at] + bytes([members[n][at] ^ 1]) + members[n][at + 1:]
    return b"".join(gzip.compress(m) for m in members)


def flip(at: float) -> object:
    def change(data: bytes) -> bytes:
        i = int(len(data) * at)
        return data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]
    return change


def test_verify_fails_on_any_changed_byte(demo_site: FixtureServer, tmp_path: Path) -> None:
    settings, _, batch_id = setup(tmp_path, demo_site.base_url)
    out = tmp_path / "out"
    report = bundle(settings, batch_id, out)
    assert verify_bundle(out).ok

    content = verify_bundle(altered(out, tmp_path, WARC_NAME, flip_in_payload))
    assert not content.ok
    assert any("does not match its WARC-Payload-Digest" in p and "person_a_2.jpg" in p
               for p in content.problems), content.problems
    assert any(p.startswith(f"{WARC_NAME}: sha256") for p in content.problems)
    raw = verify_bundle(altered(out, tmp_path, WARC_NAME, flip(0.5)))
    assert not raw.ok and any("is corrupt" in p for p in raw.problems), raw.problems
    # one flipped compressed byte costs one record: the records after it are still checked
    assert len([p for p in raw.problems if "of the manifest is missing" in p]) == 1

    def edit_log(data: bytes) -> bytes:
        return data.replace(b'"status":200', b'"status":201', 1)
    log = verify_bundle(altered(out, tmp_path, LOG_NAME, edit_log))
    assert not log.ok and any(p.startswith(f"{LOG_NAME}: sha256") for p in log.problems)
    assert any("differs from the manifest" in p for p in log.problems)
    log_flip = verify_bundle(altered(out, tmp_path, LOG_NAME, flip(0.3)))
    assert not log_flip.ok

    def edit_entry(data: bytes) -> bytes:
        return data.replace(report.bundle_id[:8].encode(), b"20000101", 1)
    entry = verify_bundle(altered(out, tmp_path, MANIFEST_NAME, edit_entry))
    assert any("an entry changed" in p for p in entry.problems), entry.problems
    spaced = verify_bundle(altered(out, tmp_path, MANIFEST_NAME, lambda d: d.replace(
        b'","', b'", "', 1)))
    assert [p for p in spaced.problems if "canonical form" in p]
    assert not verify_bundle(altered(out, tmp_path, MANIFEST_NAME, flip(0.7))).ok


def test_a_changed_file_in_the_locker_fails_against_the_audit_log(
    demo_site: FixtureServer, tmp_path: Path
) -> None:
    settings, _, batch_id = setup(tmp_path, demo_site.base_url)
    report = bundle(settings, batch_id)
    # someone holding the key replaces the sealed log with an edited one (bypassing the audit)
    locker, key = registry.open_evidence(settings), report.keys[LOG_NAME]
    edited = locker.get(key).replace(b'"status":200', b'"status":201', 1)
    locker.delete(key)
    locker.put(key, edited, "application/json")
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-lee")
        verified = verify_bundle(report.prefix.rstrip("/"), evidence)
    assert not verified.ok and verified.anchored is False
    assert any("audit log recorded" in p and LOG_NAME in p for p in verified.problems)


def test_cli_bundle_and_verify(
    demo_site: FixtureServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, _, batch_id = setup(tmp_path, demo_site.base_url)
    base = ["--data-dir", str(tmp_path), "--config", str(write_config(tmp_path)), "evidence"]
    out = tmp_path / "out"
    assert main([*base, "bundle", batch_id, "--operator", "kim", "--allow-private",
                 "--out", str(out)]) == 1  # stored, but a 404 and a refused host
    made = json.loads(capsys.readouterr().out)
    assert made["captured"] == 6 and len(made["citations"]) == 5
    prefix = made["prefix"]
    assert main([*base, "verify", prefix, "--operator", "lee"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main([*base, "verify", str(out), "--operator", "lee"]) == 0
    capsys.readouterr()
    (out / LOG_NAME).write_bytes((out / LOG_NAME).read_bytes() + b"\n")
    assert main([*base, "verify", str(out), "--operator", "lee"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"]
    assert main([*base, "verify", "bundles/td-none/none", "--operator", "lee"]) == 1
    assert "is missing" in capsys.readouterr().out
    assert main([*base, "bundle", "td-none", "--operator", "kim"]) == 2
    assert "no takedown batch" in capsys.readouterr().err
    with closing(registry.open_store(settings)) as store:
        actors = {(e.action, e.actor, e.detail.get("note")) for e in store.audit_events()}
    # the actor is the OS user; --operator is only a note beside it
    assert {("evidence.bundle", cli_actor(), "kim"),
            ("evidence.verify", cli_actor(), "lee")} <= actors


def write_config(tmp_path: Path) -> Path:
    """The CLI's settings: the test's file:// locker."""
    config = tmp_path / "jikimi.toml"
    config.write_text(f'[evidence]\nuri = "{(tmp_path / "locker").resolve().as_uri()}"\n',
                      encoding="utf-8")
    return config
