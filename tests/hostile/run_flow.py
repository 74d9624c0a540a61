"""Run jikimi's flow once on a site file in this process, then print the outcome as JSON.

Run as a subprocess by the hostile-corpus test so that the peak memory measured (VmHWM of this
process, `resource.getrusage` of the crawl child it spawns) is the pipeline's own, and so that a
hang is a timeout of this process rather than of the test runner.
Usage: python -m tests.hostile.run_flow DATA_DIR SITE_YAML
"""

from __future__ import annotations

import json
import resource
import sys
from contextlib import closing
from pathlib import Path

from jikimi import registry
from jikimi.flow import alert_stage, crawl_stage, enrich_stage, match_stage
from kernel.settings import load_settings


def main(data_dir: str, site_file: str) -> None:
    settings = load_settings(data_dir=Path(data_dir))
    settings.crawl = settings.crawl.model_copy(update={"allow_private": True})
    crawl = crawl_stage(site_file, None, settings, lambda line: None)  # run_once's stages,
    with closing(registry.open_store(settings)) as store:  # keeping the crawl's full report
        enrich = enrich_stage(settings, store)
        match = match_stage(settings, store)
        delivery = alert_stage(settings, store)
        media = [
            {"id": m.media_id, "status": m.status, "error": m.error,
             "urls": [s.media_url for s in store.sightings(m.media_id)]}
            for m in store.list_media()
        ]
    # VmHWM, not RUSAGE_SELF: Linux carries the forking parent's peak (the test runner's, 2.8 GB
    # in CI) across exec into ru_maxrss. The crawl child is forked from this process, so its
    # ru_maxrss is bounded by this process's peak or its own.
    own_kib = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
    peak_kib = max(own_kib, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({
        "crawl": crawl.to_dict(), "enriched": enrich.enriched, "enrich_errors": enrich.errors,
        "hits": match.hits, "alerts_sent": delivery.sent, "media": media,
        "peak_mib": round(peak_kib / 1024, 1),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:3])
