"""The enrollment page's service worker keeps only shared, non-personal GETs (issue 16): run
its own code in Node with the browser's objects stood in for, and ask it what it would cache."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SW = Path(__file__).resolve().parents[1] / "jikimi/portal/static/enroll/sw.js"
NODE = shutil.which("node")
PROBE = """
const vm = require("vm");
const fs = require("fs");
const heard = {};
const context = { URL, self: { location: { origin: "https://portal.example" },
  addEventListener: (name, fn) => { heard[name] = fn; }, skipWaiting() {} } };
vm.createContext(context);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), context);
const asked = JSON.parse(process.argv[2]);
const kept = asked.map(([method, url]) => context.kept({ method, url }));
console.log(JSON.stringify({ kept, listens: Object.keys(heard).sort() }));
"""


@pytest.mark.skipif(NODE is None, reason="no node: apt-get install nodejs")
def test_the_worker_keeps_models_and_scripts_and_nothing_personal() -> None:
    origin = "https://portal.example"
    asked = [
        ("GET", f"{origin}/static/enroll/page.js"),
        ("GET", f"{origin}/static/enroll/face.js"),
        ("GET", f"{origin}/enroll/face-config.json"),
        ("GET", f"{origin}/enroll/models/sface.onnx"),
        ("GET", f"{origin}/static/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm"),
        ("POST", f"{origin}/cases/abc/enroll/device"),  # her templates and the answer
        ("POST", f"{origin}/enroll/models/sface.onnx"),
        ("GET", f"{origin}/cases/abc"),  # a page: CSRF token, maybe her name
        ("GET", f"{origin}/me/enroll"),
        ("GET", f"{origin}/static/portal.css"),
        ("GET", "https://cdn.example/enroll/ort.wasm"),  # another origin
    ]
    out = subprocess.run([str(NODE), "-e", PROBE, str(SW), json.dumps(asked)],
                         capture_output=True, text=True, check=True, timeout=30)
    answer = json.loads(out.stdout)
    assert answer["kept"] == [True] * 5 + [False] * 6
    assert answer["listens"] == ["activate", "fetch", "install"]
