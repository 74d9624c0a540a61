"""Run the enabled synthetic-media signals on one item and combine their evidence into a score.

The combination is deliberately simple and explainable, strongest basis first:

1. ``provenance`` — a C2PA manifest, IPTC/XMP DigitalSourceType, EXIF Software or a generator's
   PNG chunk *declares* AI generation. High precision; the score is the declaring signal's own
   (a valid manifest 1.0, plain metadata 0.9, a manifest that fails validation 0.6).
2. ``watermark`` — a known generator watermark decoded with at least the configured bit
   agreement (a decoded 46-of-48-bit message almost never happens by chance).
3. ``detector`` / ``detector (uncalibrated)`` — the ONNX detector slot. Only a calibrated model's
   output is a probability; an uncalibrated one gives a ranking number and says so.
4. ``none`` — no signal gives a number: ``fake_score`` is None. Forensic cues are evidence with
   z-scores, never folded into the score.

The score only orders the review queue: nothing is ever taken down on the score alone. A signal
that fails on an item leaves a note in the evidence and the other signals still run.

Signals run in that order, cheapest first, and a signal that can only give a weaker basis than
the evidence already holds is skipped with a note: once a file declares AI generation, the
watermark decoder (~100 ms on a 2-megapixel photo) and the detector cannot change the score.
A signal says which basis it gives in `score_basis` (forensics gives none and always runs: its
cues are for the reviewer, not the score).

Media in which no face was found can never match an enrolled person, so nobody reviews it and
its score would order nothing. The signals that read the decoded pixels (watermark, detector,
forensics: together about 65 ms per test photo, three times its face analysis) are skipped for it
with a note, unless the suite is built with `assess_faceless` (`signals.assess_faceless`);
provenance reads only the container and always runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kernel.errors import one_line
from kernel.ports import MediaSignal, SignalInput
from kernel.records import Evidence

WATERMARK_SCORE = 0.95
DECLARED_SCORE = 0.9
BASIS_RANK = {"provenance": 0, "watermark": 1, "detector": 2, "detector (uncalibrated)": 2}


@dataclass
class Assessment:
    fake_score: float | None = None
    score_basis: str = "none"
    evidence: list[Evidence] = field(default_factory=list)


class SignalSuite:
    """The signals to run, in order; `assess` never raises for bad media."""

    def __init__(self, signals: Sequence[MediaSignal], *, assess_faceless: bool = True) -> None:
        self.signals = list(signals)
        self.assess_faceless = assess_faceless

    def assess(self, subject: SignalInput) -> Assessment:
        evidence: list[Evidence] = []
        for signal in self.signals:
            if not subject.faces and not self.assess_faceless \
                    and getattr(signal, "reads_pixels", True):
                evidence.append(Evidence(
                    "note", f"{signal.name}_skipped", "no face",
                    f"The {signal.name} signal was not run: no face was found in this file, so "
                    "it cannot match anyone and its score would order no review.",
                ))
                continue
            decided = _decided_by(evidence, getattr(signal, "score_basis", None))
            if decided:
                evidence.append(Evidence(
                    "note", f"{signal.name}_skipped", decided,
                    f"The {signal.name} signal was not run: the file's {decided} evidence "
                    "already decides the score, which it could not change.",
                ))
                continue
            try:
                evidence.extend(signal.assess(subject))
            except Exception as exc:  # one broken signal must not lose the item
                evidence.append(Evidence(
                    "note", f"{signal.name}_failed", one_line(exc),
                    f"The {signal.name} signal could not read this item, so it says nothing.",
                ))
        return combine(evidence)


def combine(evidence: list[Evidence]) -> Assessment:
    """Pick the strongest basis present and its score (see the module docstring)."""
    declared = [e for e in evidence if e.kind == "provenance" and e.synthetic]
    if declared:
        return Assessment(_best(declared, DECLARED_SCORE), "provenance", evidence)
    marked = [e for e in evidence if e.kind == "watermark" and e.synthetic]
    if marked:
        return Assessment(_best(marked, WATERMARK_SCORE), "watermark", evidence)
    detected = [e for e in evidence if e.kind == "detector" and e.score is not None]
    if detected:
        calibrated = [e for e in detected if _calibrated(e)]
        if calibrated:
            return Assessment(_best(calibrated, 0.0), "detector", evidence)
        return Assessment(_best(detected, 0.0), "detector (uncalibrated)", evidence)
    return Assessment(None, "none", evidence)


def _decided_by(evidence: list[Evidence], basis: str | None) -> str | None:
    """The basis already found that outranks `basis` (None: the signal should run)."""
    if basis is None or not evidence:
        return None
    found = combine(evidence).score_basis
    if found in BASIS_RANK and BASIS_RANK[found] < BASIS_RANK[basis]:
        return found
    return None


def _best(items: list[Evidence], default: float) -> float:
    return round(max(default if e.score is None else float(e.score) for e in items), 4)


def _calibrated(item: Evidence) -> bool:
    return isinstance(item.value, dict) and bool(item.value.get("calibrated"))
