"""Unsigned provenance (XMP DigitalSourceType, Software tags, generator PNG chunks) and hostile
metadata: declarations are reported and scored below C2PA; broken input never crashes."""

from __future__ import annotations

import json
import os
import struct
import zlib

import pytest

from tests.c2pa_fixtures import COMPOSITE, TRAINED
from tests.provenance_media import (
    add_chunk_before_iend,
    assess,
    by_name,
    entity_bomb_xmp,
    jpeg_with,
    photo_bytes,
    png_with_text,
    tiny_mp4,
    webp_with_xmp,
    xmp_packet,
)

A1111 = (
    "portrait of a person in a garden\nNegative prompt: blurry\n"
    "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 42, Size: 64x64, "
    'Model hash: abc123def0, Model: sd_xl_base, Lora hashes: "a: 1, b: 2"'
)
COMFY_PROMPT = json.dumps(
    {
        "3": {"class_type": "KSampler", "inputs": {"seed": 1, "text": "secret prompt words"}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "secret prompt words"}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "bad"}},
    }
)
COMFY_WORKFLOW = json.dumps({"nodes": [{"id": 3, "type": "KSampler"}, {"id": 4, "type": "X"}]})


def test_plain_photo_gets_only_the_no_provenance_note() -> None:
    evidence = assess(photo_bytes())
    assert [(e.kind, e.name, e.value, e.synthetic) for e in evidence] == [
        ("note", "no_provenance", None, None)
    ]
    assert "absence of provenance proves nothing" in evidence[0].explanation


def test_a1111_parameters_chunk_is_summarised_without_the_prompt() -> None:
    item = by_name(assess(png_with_text({"parameters": A1111})))["png_generator_chunk"]
    assert (item.kind, item.synthetic, item.score) == ("provenance", True, 0.9)
    assert item.value == {
        "a1111_parameters": {
            "steps": "30",
            "sampler": "DPM++ 2M Karras",
            "model_hash": "abc123def0",
            "model": "sd_xl_base",
        }
    }
    assert "garden" not in item.explanation and "garden" not in json.dumps(item.value)


def test_comfyui_prompt_and_workflow_report_node_counts_only() -> None:
    png = png_with_text({"prompt": COMFY_PROMPT, "workflow": COMFY_WORKFLOW})
    item = by_name(assess(png))["png_generator_chunk"]
    assert item.value == {
        "comfyui": {"chunks": ["prompt", "workflow"], "nodes": 4, "node_types": 3}
    }
    assert item.synthetic is True and "4 nodes" in item.explanation
    assert "secret" not in item.explanation + json.dumps(item.value)
    assert len(json.dumps(item.value)) < 300


def test_generator_chunk_after_the_image_data_is_found() -> None:
    body = b"parameters\x00\x00" + zlib.compress(A1111.encode())  # keyword, method 0, deflate
    png = add_chunk_before_iend(png_with_text({}), b"zTXt", body)
    assert by_name(assess(png))["png_generator_chunk"].value["a1111_parameters"]["steps"] == "30"


def test_unrelated_text_chunks_declare_nothing() -> None:
    png = png_with_text({"parameters": "just a caption", "prompt": "{not json", "Title": "x"})
    assert [e.name for e in assess(png)] == ["no_provenance"]


@pytest.mark.parametrize("as_attribute", [False, True])
def test_xmp_digital_source_type_in_jpeg(as_attribute: bool) -> None:
    jpeg = jpeg_with(xmp=xmp_packet(TRAINED, as_attribute=as_attribute))
    item = by_name(assess(jpeg))["xmp_digital_source_type"]
    assert (item.value, item.synthetic, item.score) == ([TRAINED], True, 0.9)
    assert "trainedAlgorithmicMedia" in item.explanation


def test_xmp_in_png_itxt_and_webp() -> None:
    png = png_with_text({})  # Pillow writes XMP into PNG only as an iTXt we add ourselves
    itxt = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp_packet(COMPOSITE).encode()
    png = add_chunk_before_iend(png, b"iTXt", itxt)
    assert by_name(assess(png))["xmp_digital_source_type"].value == [COMPOSITE]
    webp = webp_with_xmp(xmp_packet(TRAINED, as_attribute=True))
    assert by_name(assess(webp))["xmp_digital_source_type"].synthetic is True


def test_xmp_in_an_mp4_uuid_box() -> None:
    xmp_uuid = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")  # the XMP box UUID for MP4
    packet = xmp_packet(TRAINED).encode()
    video = tiny_mp4() + struct.pack(">I", 8 + 16 + len(packet)) + b"uuid" + xmp_uuid + packet
    item = by_name(assess(video))["xmp_digital_source_type"]
    assert (item.value, item.synthetic) == ([TRAINED], True)


def test_xmp_capture_and_neutral_source_types() -> None:
    capture = by_name(assess(jpeg_with(xmp=xmp_packet("digitalCapture"))))
    assert capture["xmp_digital_source_type"].synthetic is False
    assert "no_provenance" not in capture
    edits = by_name(assess(jpeg_with(xmp=xmp_packet("http://cv.iptc.org/x/humanEdits"))))
    assert edits["xmp_digital_source_type"].synthetic is None


def test_xmp_creator_tool_naming_a_generator() -> None:
    xmp = xmp_packet("digitalArt", tool="Adobe Firefly 3")
    item = by_name(assess(jpeg_with(xmp=xmp)))["xmp_creator_tool"]
    assert (item.value, item.synthetic) == ("Adobe Firefly 3", True)


@pytest.mark.parametrize(
    ("software", "synthetic"),
    [
        ("Midjourney v6", True),
        ("DALL-E 3", True),
        ("Stable Diffusion XL", True),
        ("Adobe Photoshop 25.0 (Windows)", None),
        ("GIMP 2.10.36", None),
        ("Editor de imagen 2.1", None),
    ],
)
def test_exif_software_generator_versus_editor(software: str, synthetic: bool | None) -> None:
    found = by_name(assess(jpeg_with(software=software)))
    item = found["exif_software"]
    assert (item.value, item.synthetic) == (software, synthetic)
    assert item.score == (0.9 if synthetic else None)
    assert ("no_provenance" in found) is (synthetic is None)


def test_xml_entity_bomb_is_refused_quickly() -> None:
    found = by_name(assess(jpeg_with(xmp=entity_bomb_xmp())))
    assert found["xmp_error"].kind == "note" and "refused" in found["xmp_error"].value
    assert "no_provenance" in found


@pytest.mark.parametrize(
    "xmp",
    [
        "<x:xmpmeta><rdf:RDF><unclosed",
        '<?xml version="1.0" encoding="bogus"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>',
        '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
        "<x:xmpmeta><Iptc4xmpExt:DigitalSourceType>x</Iptc4xmpExt:DigitalSourceType></x:xmpmeta>",
    ],
    ids=["unclosed", "unknown-encoding", "external-entity", "unbound-prefix"],
)
def test_malformed_xmp_is_a_note(xmp: str) -> None:
    found = by_name(assess(jpeg_with(xmp=xmp)))
    assert found["xmp_error"].kind == "note" and "no_provenance" in found


def test_hostile_generator_chunks_stay_cheap_and_short() -> None:
    """A 500 KB settings line (regex backtracking) and 100k nested brackets (JSON recursion)."""
    png = png_with_text({"parameters": "Steps: 1, X" + "a" * 500_000, "prompt": "[" * 100_000})
    item = by_name(assess(png))["png_generator_chunk"]
    assert item.value == {"a1111_parameters": {"steps": "1"}}
    assert len(item.explanation) < 300


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff" + os.urandom(4000),
        b"\x89PNG\r\n\x1a\n" + os.urandom(4000),
        b"\x89PNG\r\n\x1a\n\xff\xff\xff\xfftEXt",
        b"RIFF\x00\x00\x00\x00WEBP" + os.urandom(100),
        b"\x00\x00\x00\x18ftypisom" + os.urandom(4000),
        os.urandom(4000),
        b"",
    ],
)
def test_garbage_never_raises(data: bytes) -> None:
    evidence = assess(data)
    assert evidence[-1].name == "no_provenance"
    assert all(e.kind == "note" for e in evidence)
