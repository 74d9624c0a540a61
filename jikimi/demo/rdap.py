"""The demo's own RDAP service: bootstrap files and one IP network answer, served on 127.0.0.1.

The demo's fixture site lives on 127.0.0.1, which no public registry describes, and the demo
never goes to the internet. So it serves an RFC 9083 answer of its own, saying that a made-up
hosting company ("Demo Hosting") holds 127.0.0.0/8 and names its abuse desk: the takedown batch
then shows recipients and the notices have someone to address, exactly as with a real host.
Everything here is labelled as the demo's; none of it is a real organisation or address.
"""

from __future__ import annotations

import json
from pathlib import Path

from jikimi.demo.site import FixtureServer, serve

DEMO_ABUSE = "abuse@hosting.jikimi-demo.test"
DEMO_HOSTING = "Demo Hosting (jikimi demo, not a real company)"
DEMO_REGULATOR = "referral@regulator.jikimi-demo.test"


def _network(base: str, address: str) -> dict[str, object]:
    vcard = ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", DEMO_HOSTING],
                       ["kind", {}, "text", "org"]]]
    abuse = ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Abuse desk"],
                       ["kind", {}, "text", "group"],
                       ["email", {"type": "abuse"}, "text", DEMO_ABUSE]]]
    return {
        "objectClassName": "ip network", "rdapConformance": ["rdap_level_0"],
        "handle": "DEMO-127-0-0-0", "startAddress": "127.0.0.0",
        "endAddress": "127.255.255.255", "ipVersion": "v4", "name": "JIKIMI-DEMO-NET",
        "links": [{"rel": "self", "value": f"{base}/rdap/ip/{address}",
                   "href": f"{base}/rdap/ip/{address}"}],
        "entities": [{"objectClassName": "entity", "handle": "DEMO-HOSTING",
                      "roles": ["registrant"], "vcardArray": vcard,
                      "entities": [{"objectClassName": "entity", "handle": "DEMO-ABUSE",
                                    "roles": ["abuse"], "vcardArray": abuse}]}],
    }


def serve_rdap(root: Path) -> FixtureServer:
    """Write the demo's bootstrap files and answer under `root` and serve them."""
    server = serve(root)
    base = server.base_url
    boot = root / "bootstrap"
    boot.mkdir(parents=True, exist_ok=True)
    about = {"version": "1.0", "publication": "2026-12-04T00:00:00Z",
             "description": "jikimi demo bootstrap (loopback only)"}
    (boot / "ipv4.json").write_text(json.dumps(
        about | {"services": [[["127.0.0.0/8"], [f"{base}/rdap/"]]]}), encoding="utf-8")
    (boot / "ipv6.json").write_text(json.dumps(about | {"services": []}), encoding="utf-8")
    (boot / "dns.json").write_text(json.dumps(about | {"services": []}), encoding="utf-8")
    answers = root / "rdap" / "ip"
    answers.mkdir(parents=True, exist_ok=True)
    (answers / "127.0.0.1").write_text(json.dumps(_network(base, "127.0.0.1")),
                                       encoding="utf-8")
    return server
