"""The provenance signal: what the file itself declares about how it was made.

Provenance is the only high-precision synthetic-media signal: a generator that signs a C2PA
manifest or writes IPTC DigitalSourceType, an EXIF Software tag or its settings into PNG chunks
has *said* the media is AI-made. It is also the easiest to lose: re-encoding, screenshots and
most upload pipelines strip it, and most synthetic media never carried any. So when nothing is
found the signal says exactly that, and that absence proves nothing.

Sources, strongest first: C2PA (signature and content hash verified offline; trusted only against
the operator's anchors), then unsigned metadata (XMP DigitalSourceType, generator Software /
CreatorTool, generator PNG chunks). Hostile or broken metadata becomes a note, never a crash.
"""

from __future__ import annotations

from enrichment.signals.c2pa_manifest import ManifestVerifier
from enrichment.signals.embedded_metadata import EmbeddedMetadata, read_embedded_metadata
from enrichment.signals.generator_metadata import (
    known_generator,
    png_generator_evidence,
    software_evidence,
    xmp_source_type_evidence,
)
from enrichment.signals.xmp_packet import XmpFacts, parse_xmp
from kernel.errors import DecodeError
from kernel.ports import SignalInput
from kernel.records import Evidence
from kernel.settings import SignalSettings

NO_PROVENANCE = (
    "No provenance was found (no C2PA manifest, IPTC DigitalSourceType or generator metadata); "
    "absence of provenance proves nothing: most synthetic media carries none, and re-encoding "
    "or re-uploading strips it."
)


_DECLARATIONS = frozenset({"c2pa", "xmp_digital_source_type", "png_generator_chunk"})


def _note(name: str, value: str, explanation: str) -> Evidence:
    return Evidence(kind="note", name=name, value=value, explanation=explanation)


class ProvenanceSignal:
    """C2PA manifests, IPTC/XMP DigitalSourceType, EXIF Software and generator PNG chunks."""

    name = "provenance"
    reads_pixels = False  # metadata and manifests only: it runs for every item (signals.suite)

    def __init__(self, settings: SignalSettings) -> None:
        self._c2pa = ManifestVerifier(settings.c2pa_trust_anchors)

    def assess(self, subject: SignalInput) -> list[Evidence]:
        evidence = self._c2pa.assess(subject.data, subject.content_type)
        try:
            metadata = read_embedded_metadata(subject.data, subject.content_type)
        except DecodeError as exc:
            evidence.append(
                _note(
                    "metadata_error",
                    str(exc),
                    "The file's metadata could not be read, so unsigned provenance declarations "
                    "(XMP, EXIF, PNG text) could not be checked.",
                )
            )
            metadata = EmbeddedMetadata()
        evidence += self._metadata_evidence(metadata)
        if not any(self._declares_provenance(item) for item in evidence):
            evidence.append(
                Evidence(kind="note", name="no_provenance", value=None, explanation=NO_PROVENANCE)
            )
        return evidence

    def _metadata_evidence(self, metadata: EmbeddedMetadata) -> list[Evidence]:
        found: list[Evidence] = []
        facts = XmpFacts()
        for packet in metadata.xmp_packets:
            try:
                parsed = parse_xmp(packet)
            except DecodeError as exc:
                found.append(
                    _note(
                        "xmp_error",
                        str(exc),
                        "An XMP metadata packet was malformed or hostile and was not read.",
                    )
                )
                continue
            facts.digital_source_types += parsed.digital_source_types
            facts.creator_tool = facts.creator_tool or parsed.creator_tool
        if facts.digital_source_types:
            found.append(xmp_source_type_evidence(list(dict.fromkeys(facts.digital_source_types))))
        if facts.creator_tool and known_generator(facts.creator_tool):
            found.append(
                software_evidence("xmp_creator_tool", "XMP CreatorTool", facts.creator_tool)
            )
        if metadata.exif_software:
            found.append(
                software_evidence("exif_software", "EXIF Software", metadata.exif_software)
            )
        if (chunks := png_generator_evidence(metadata.png_text)) is not None:
            found.append(chunks)
        return found

    @staticmethod
    def _declares_provenance(item: Evidence) -> bool:
        """A C2PA manifest (any state) or metadata that declares how the media was made."""
        if item.kind != "provenance":
            return item.name == "c2pa_remote_manifest"
        return item.name in _DECLARATIONS or item.synthetic is not None
