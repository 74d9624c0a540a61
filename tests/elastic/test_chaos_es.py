"""Chaos on the Elasticsearch store (osmem-server): kill -9 at every named point, rerun, lose
and duplicate nothing — the same scenario and checks as tests/test_chaos.py.

One osmem-server of this module's own holds the enrolled person and is frozen; every point gets
a copy-on-write clone of it (its own port), and a copy of the data folder (keys, blobs, outbox).
"""

from __future__ import annotations

import signal
import sys

import pytest
from osmem_server import OsmemServer

from jikimi.demo.site import PAGES_WITH_PERSON, build_site, photo_bytes, serve
from search.elastic.client import open_client
from search.elastic.migrate import migrate
from tests.chaos_steps import (
    POINTS,
    Deployment,
    cli,
    copy_deployment,
    run_clean,
    run_points,
    selected_points,
    site_file,
    snapshot,
)
from tests.elastic.conftest import PREFIX, es_settings
from tests.test_chaos import CHILD_POINTS


def on_cluster(url: str) -> dict[str, str]:
    return {"JIKIMI_STORE__BACKEND": "elasticsearch", "JIKIMI_ELASTICSEARCH__URL": url,
            "JIKIMI_ELASTICSEARCH__PLAIN_JSON_HEADERS": "1",
            "JIKIMI_ELASTICSEARCH__INDEX_PREFIX": PREFIX}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("chaos-es")
    build_site(root / "site")
    server = serve(root / "site")
    base = OsmemServer.start(japanese=False)
    client = open_client(es_settings(base.url))
    migrate(client, PREFIX)
    client.close()
    photo = root / "me.jpg"
    photo.write_bytes(photo_bytes("person_a_1.jpg"))
    template = Deployment(root / "template", on_cluster(base.url))
    done = cli(template, "enroll", "--name", "Chaos Test", str(photo))
    assert done.returncode == 0, done.stderr
    clones: list[OsmemServer] = []

    def env_for(_: str) -> dict[str, str]:
        clones.append(base.clone())  # freezes the base: its state stays the enrolled one
        return on_cluster(clones[-1].url)

    site = site_file(root, server.base_url)
    clean = copy_deployment(template.data, root / "clean", env_for("clean"))
    run_clean(clean, site)
    yield template, site, snapshot(clean), root, env_for
    for clone in clones:
        clone.close()
    base.close()
    server.stop()


@pytest.fixture(scope="module")
def outcomes(world, request):
    template, site, _, root, env_for = world
    return run_points(template.data, site, selected_points(request.session.items,
                                                            sys.modules[__name__]),
                      root / "points", env_for)


def test_the_clean_run_on_elasticsearch_is_a_sound_reference(world):
    reference = world[2]
    assert len(reference["alert_pairs"]) == len(PAGES_WITH_PERSON) and reference["hits"]
    assert reference["alert_pairs_unique"] and reference["outbox_matches_alerts"]
    assert all(state == ("sent", ("outbox",)) for state in reference["alert_states"])
    assert reference["unmatched_faces"] == [] and reference["incoming_left"] == []
    assert len(reference["exports"]) == 1


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_killed_on_elasticsearch_then_rerun_loses_and_duplicates_nothing(world, outcomes, point):
    outcome = outcomes[point].result(timeout=1800)
    if point in CHILD_POINTS:
        assert outcome.killed_rc not in (0, -signal.SIGKILL)  # the parent reports the failure
    else:
        assert outcome.killed_rc == -signal.SIGKILL
    assert outcome.state == world[2]
