"""The face evaluation: pair scores, ROC AUC, operating points, set layouts and `jikimi eval`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jikimi.cli import main
from jikimi.evaluation import (
    evaluate_pairs,
    find_sets,
    load_groups,
    pair_scores,
    roc_auc,
    threshold_for_far,
)
from tests.face_photos import PHOTOS
from tests.factories import unit_vector


def test_pair_scores_split_same_and_different_people() -> None:
    a, b = unit_vector(1), unit_vector(2)
    labels = ["x", "x", "y"]
    same, diff = pair_scores(labels, np.stack([a, a, b]))
    assert same.tolist() == pytest.approx([1.0])
    assert diff.tolist() == pytest.approx([float(a @ b)] * 2)
    same, diff = pair_scores(labels, np.stack([a, a, b]), keep=np.array([True, False, True]))
    assert len(same) == 0 and len(diff) == 1


def test_auc_and_thresholds() -> None:
    assert roc_auc(np.array([0.8, 0.9]), np.array([0.1, 0.2])) == 1.0
    assert roc_auc(np.array([0.5]), np.array([0.5])) == 0.5
    assert roc_auc(np.array([0.1]), np.array([0.2, 0.0])) == 0.5
    diff = np.linspace(0, 1, 1001)
    threshold = threshold_for_far(diff, 1e-2)
    assert np.mean(diff >= threshold) <= 1e-2 < np.mean(diff >= threshold - 0.002)
    report = evaluate_pairs("s", 2, 4, np.array([0.95, 0.5]), diff, 0.9)
    assert [p.far_target for p in report.points] == [1e-2, 1e-3, 1e-4]
    assert [p.resolvable for p in report.points] == [True, True, False]
    assert (report.in_use.tar, report.in_use.far) == (0.5, pytest.approx(101 / 1001))


def test_layouts(tmp_path: Path) -> None:
    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "identities.json").write_text(json.dumps([["a.jpg", "b.jpg"], ["c.jpg"]]))
    assert load_groups(listed) == {"person00": [listed / "a.jpg", listed / "b.jpg"],
                                   "person01": [listed / "c.jpg"]}
    both = tmp_path / "both"
    for path in ("people/ana/1.jpg", "people/ana/2.png", "people/bo/1.jpg", "pool/cy.jpg",
                 "pool/dee.jpeg", "pool/notes.txt"):
        (both / path).parent.mkdir(parents=True, exist_ok=True)
        (both / path).write_bytes(b"")
    assert find_sets(both) == [("people", both / "people"), ("pool", both / "pool")]
    assert find_sets(both / "people") == [("people", both / "people")]
    assert sorted(load_groups(both / "pool")) == ["cy", "dee"]
    assert load_groups(both / "people")["ana"] == [both / "people/ana/1.jpg",
                                                   both / "people/ana/2.png"]


def test_eval_command_on_the_demo_photos(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "people"
    for name in ("person_a_1", "person_a_2", "person_b_1", "person_b_2", "impostor_1",
                 "impostor_2"):
        person = folder / name.rsplit("_", 1)[0] if name.startswith("person") else folder / name
        person.mkdir(parents=True, exist_ok=True)
        (person / f"{name}.jpg").write_bytes((PHOTOS / f"{name}.jpg").read_bytes())
    (folder / "groups.json").write_text(json.dumps(
        {"person_a": "g1", "person_b": "g1", "impostor_1": "g2", "impostor_2": "g2"}))

    code = main(["--data-dir", str(tmp_path / "data"), "eval", "faces", str(folder),
                 str(tmp_path / "absent")])

    captured = capsys.readouterr()
    out = captured.out
    assert code == 1  # partial: one of the folders named was not there
    assert "absent: not found, skipped" in captured.err
    assert "== people: 4 people, 6 photos, ROC AUC 1.0000" in out
    assert "at threshold in use 0.450: TAR 1.000, FAR 0.00000" in out
    assert "== people [groups=g1]: 2 people, 4 photos, ROC AUC 1.0000" in out
    assert "== people [groups=g2]: 2 people, 2 photos, ROC AUC —" in out

    main(["--data-dir", str(tmp_path / "data"), "eval", "faces", "--json", str(folder)])
    reports = json.loads(capsys.readouterr().out)
    assert [r["set"] for r in reports] == ["people", "people [groups=g1]", "people [groups=g2]"]
    assert reports[0]["same"]["n"] == 2 and reports[0]["different"]["n"] == 13
