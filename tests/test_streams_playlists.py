"""Reading playlists without the network: HLS variants and keys, DASH addressing, hostile sizes,
playlist URLs in player configurations, MPEG-TS sniffing and AES-128 decryption."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from crawlers.extract import extract_page
from crawlers.streams import dash, hls
from crawlers.streams.aes import decrypt_segment
from crawlers.streams.fetch import playlist_kind
from crawlers.streams.links import is_stream_url, stream_urls_in_text
from crawlers.streams.plan import StreamError, StreamLimits
from enrichment.video.video_sampling import sample_video
from kernel.errors import JikimiError
from kernel.settings import VideoSettings
from kernel.sniff import sniff
from tests import stream_fixtures as streams

LIMITS = StreamLimits(max_pixels=1280 * 720)
MPD = """<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="{type}" mediaPresentationDuration="PT10S">
 <BaseURL>https://cdn.example/v/</BaseURL>
 <Period>
  <AdaptationSet contentType="audio" mimeType="audio/mp4">
   <Representation id="a" bandwidth="64000"><SegmentTemplate media="a-$Number$.m4s"
     duration="2" timescale="1"/></Representation>
  </AdaptationSet>
  <AdaptationSet mimeType="video/mp4">
   {template}
   <Representation id="hd" bandwidth="3000000" width="1920" height="1080"/>
   <Representation id="sd" bandwidth="900000" width="1280" height="720"/>
   <Representation id="low" bandwidth="300000" width="640" height="360"/>
  </AdaptationSet>
 </Period>
</MPD>"""
TEMPLATE = ('<SegmentTemplate initialization="$RepresentationID$/init.mp4" timescale="1000" '
            'media="$RepresentationID$/$Number%05d$.m4s" startNumber="3" duration="4000"/>')


def mpd(template: str = TEMPLATE, kind: str = "static") -> bytes:
    return MPD.format(template=template, type=kind).encode()


def test_the_largest_hls_variant_within_max_pixels_is_chosen_and_audio_is_never() -> None:
    master = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=1920x1080\nhd.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720\nsd.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\nlow.m3u8\n"
              '#EXT-X-STREAM-INF:BANDWIDTH=99000000,CODECS="mp4a.40.2"\naudio.m3u8\n')
    variant = hls.master_choice(hls.parse(master.encode(), "https://h/v/master.m3u8"), LIMITS)
    assert variant is not None and variant.url == "https://h/v/sd.m3u8"
    small = StreamLimits(max_pixels=320 * 240)
    with pytest.raises(StreamError, match="every variant is larger than video.max_pixels"):
        hls.master_choice(hls.parse(master.encode(), "https://h/v/master.m3u8"), small)


def test_hls_keys_default_to_the_media_sequence_as_iv() -> None:
    body = ('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-KEY:METHOD=AES-128,URI="../k.bin"\n'
            "#EXTINF:2,\na.ts\n#EXT-X-KEY:METHOD=AES-128,URI=\"k2\",IV=0x0A\n#EXTINF:2,\nb.ts\n"
            "#EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\nc.ts\n")
    plan = hls.media_plan(hls.parse(body.encode(), "https://h/v/x/index.m3u8"), LIMITS)
    first, second, third = plan.segments
    assert first.key is not None and first.key.url == "https://h/v/k.bin"
    assert first.key.iv == (7).to_bytes(16, "big")
    assert second.key is not None and second.key.iv == (10).to_bytes(16, "big")
    assert third.key is None and third.url == "https://h/v/x/c.ts"


def test_a_segment_encrypted_with_the_implicit_iv_decrypts() -> None:
    plain = streams.hls("/hls")["/hls/seg001.ts"].body
    iv = (1).to_bytes(16, "big")
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(streams.KEY), modes.CBC(iv)).encryptor()
    secret = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    assert decrypt_segment(secret, streams.KEY, iv) == plain
    wrong_iv = decrypt_segment(secret, streams.KEY, bytes(16))  # CBC: only block 1 differs
    assert wrong_iv[:16] != plain[:16] and wrong_iv[16:] == plain[16:]
    with pytest.raises(StreamError, match="bad padding"):
        decrypt_segment(secret, bytes(range(1, 17)), iv)
    with pytest.raises(StreamError, match="not whole AES blocks"):
        decrypt_segment(secret[:-3], streams.KEY, iv)


def test_dash_template_picks_a_representation_and_numbers_its_segments() -> None:
    plan = dash.plan(mpd(), "https://h/watch/manifest.mpd", LIMITS)
    assert [s.url for s in plan.segments] == [
        "https://cdn.example/v/sd/00003.m4s", "https://cdn.example/v/sd/00004.m4s",
        "https://cdn.example/v/sd/00005.m4s"]  # 10 s in 4 s segments
    assert plan.segments[0].init_url == "https://cdn.example/v/sd/init.mp4"
    assert [s.duration for s in plan.segments] == [4.0, 4.0, 4.0]


def test_dash_timeline_with_time_and_an_open_repeat() -> None:
    template = ('<SegmentTemplate timescale="10" presentationTimeOffset="100" '
                'media="t-$Time$.m4s"><SegmentTimeline>'
                '<S t="100" d="20" r="1"/><S d="30" r="-1"/></SegmentTimeline></SegmentTemplate>')
    plan = dash.plan(mpd(template), "https://h/m.mpd", LIMITS)
    assert [s.url.rsplit("/", 1)[1] for s in plan.segments] == [
        "t-100.m4s", "t-120.m4s", "t-140.m4s", "t-170.m4s"]  # r=-1: to the period's end (200)
    assert [s.duration for s in plan.segments] == [2.0, 2.0, 3.0, 3.0]


def test_dash_segment_list_and_live_without_timeline() -> None:
    listed = ('<SegmentList timescale="1" duration="5"><Initialization sourceURL="i.mp4"/>'
              '<SegmentURL media="one.m4s"/><SegmentURL media="two.m4s"/></SegmentList>')
    plan = dash.plan(mpd(listed), "https://h/m.mpd", LIMITS)
    assert [(s.url, s.duration) for s in plan.segments] == [
        ("https://cdn.example/v/one.m4s", 5.0), ("https://cdn.example/v/two.m4s", 5.0)]
    assert plan.segments[0].init_url == "https://cdn.example/v/i.mp4"
    live = mpd(TEMPLATE).replace(b'mediaPresentationDuration="PT10S"', b"")
    with pytest.raises(StreamError, match="no SegmentTimeline and no period duration"):
        dash.plan(live, "https://h/m.mpd", LIMITS)


@pytest.mark.parametrize("template", [
    '<SegmentTemplate media="$Number$.m4s" duration="1" timescale="1000000000"/>',
    '<SegmentTemplate media="$Time$.m4s" timescale="1"><SegmentTimeline>'
    '<S t="0" d="1" r="999999999999"/></SegmentTimeline></SegmentTemplate>',
])
def test_a_hostile_segment_count_costs_only_the_segments_kept(template: str) -> None:
    started = time.monotonic()
    plan = dash.plan(mpd(template), "https://h/m.mpd", StreamLimits(max_segments=50))
    assert len(plan.segments) == 50 and plan.cut["stream_segments"] > 10**9
    assert time.monotonic() - started < 5.0  # generous: counted, never generated


def test_a_manifest_with_entities_or_a_dtd_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE MPD [<!ENTITY a "aaaaaaaaaa">]>'
            b"<MPD>&a;</MPD>")
    with pytest.raises(StreamError, match="cannot be parsed"):
        dash.plan(bomb, "https://h/m.mpd", LIMITS)
    with pytest.raises(StreamError, match="not well-formed"):
        dash.plan(b"<MPD><Period>", "https://h/m.mpd", LIMITS)


def test_playlists_are_recognised_by_their_bytes() -> None:
    assert playlist_kind(b"\xef\xbb\xbf#EXTM3U\n") == "hls"
    assert playlist_kind(b'<?xml version="1.0"?>\n<!-- made by x -->\n<MPD type="static">') == \
        "dash"
    assert playlist_kind(b"<html><body>#EXTM3U <MPD></body></html>") is None
    assert sniff(streams.hls("/hls")["/hls/seg000.ts"].body) == ("video", "video/mp2t")
    assert sniff(b"\x47" + bytes(400))[0] == "unknown"  # one sync byte is not a stream


def test_playlist_urls_are_found_in_tags_links_and_player_configs() -> None:
    html = """<video src="/a.m3u8"></video><video><source src="b.mpd?sig=1"></video>
    <a href="/c/playlist.m3u8">watch</a>
    <div id="p" data-setup='{"sources": [{"src": "https:\\/\\/cdn.example\\/d.m3u8"}]}'></div>
    <video data-hls="/e/stream"></video>
    <script>jwplayer("p").setup({file: "/f/master.m3u8", image: "/poster.jpg"});
    var cfg = {"hlsUrl": "/g/live?token=1", "dash": "auto", autoplay: true};</script>
    <script type="application/json">{"manifest": {"dashUrl": "/h/manifest"}}</script>"""
    found = extract_page(html, "https://site.example/watch/1").media
    assert [u for u in found if "/poster" not in u] == [
        "https://site.example/a.m3u8", "https://site.example/watch/b.mpd?sig=1",
        "https://site.example/c/playlist.m3u8", "https://site.example/f/master.m3u8",
        "https://site.example/g/live?token=1", "https://site.example/h/manifest",
        "https://cdn.example/d.m3u8", "https://site.example/e/stream"]
    assert is_stream_url("https://h/x/Index.M3U8?x=1") and not is_stream_url("https://h/m3u8/")
    assert stream_urls_in_text('{"dash": "auto"}') == []


@pytest.mark.parametrize("damage", ["cut", "flipped", "segment missing"])
def test_a_damaged_joined_ts_stream_samples_or_fails_cleanly(damage: str) -> None:
    routes = streams.hls("/hls")
    parts = [routes[f"/hls/seg{i:03d}.ts"].body for i in range(7)]
    joined = b"".join(parts)
    if damage == "cut":
        data = joined[:len(joined) // 3 + 101]
    elif damage == "flipped":
        flipped = bytearray(joined)
        for position in range(400, len(flipped), 997):
            flipped[position] ^= 0x5A
        data = bytes(flipped)
    else:
        data = b"".join(parts[:2] + parts[4:])  # a gap: 2 s of the clock missing
    assert sniff(data) == ("video", "video/mp2t")
    try:
        sample = sample_video(data, VideoSettings())
    except JikimiError as exc:
        assert str(exc)  # a one-line reason, recorded for the item
        return
    assert sample.frames and all(f.ts is not None and f.ts >= 0 for f in sample.frames)
    if damage == "segment missing":  # the sampler keeps the stream's own clock
        assert [f.ts for f in sample.frames][:2] == [0.0, 1.0] and sample.frames[-1].ts >= 6.0
