# jikimi — `make demo` and `make test` each create or update .venv themselves.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.jikimi-installed

.PHONY: web demo test lint fuzz insightface vpdq eval bench s3-up s3-down airflow dag-test clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jikimi needs Python >= 3.11")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# onnxruntime-web for enrollment in the browser (jikimi/portal/face_models.py), served by the
# portal itself: the version is pinned in jikimi/portal/web/package-lock.json, installed from the
# npm registry with `npm ci`, and only the wasm ESM bundle, its .wasm and the package's licence
# record are copied into static/vendor (ignored by git). The package ships no LICENSE file: its
# package.json says MIT and the bundle's header names Microsoft's copyright. Without npm it says so and the portal enrolls on the server.
WEB      := jikimi/portal/web
ORT_DIST := $(WEB)/node_modules/onnxruntime-web/dist
VENDOR   := jikimi/portal/static/vendor/onnxruntime-web
web: $(VENDOR)/.installed
$(VENDOR)/.installed: $(WEB)/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "make web: no npm; the portal will enroll on the server only"; exit 0; fi; \
	set -e; cd $(WEB) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; cd $(CURDIR); \
	rm -rf $(VENDOR) && mkdir -p $(VENDOR); \
	cp $(ORT_DIST)/ort.wasm.bundle.min.mjs $(ORT_DIST)/ort-wasm-simd-threaded.wasm $(VENDOR)/; \
	cp $(WEB)/node_modules/onnxruntime-web/package.json $(WEB)/node_modules/onnxruntime-web/README.md $(VENDOR)/; \
	touch $@

demo: $(STAMP) web
	$(VENV)/bin/jikimi demo

test: $(STAMP) web
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check kernel crawlers enrichment search jikimi tests benchmarks dags
	$(VENV)/bin/mypy kernel crawlers enrichment search jikimi

# Coverage-guided fuzzing (atheris) of the HTML extractor and the image decoder, FUZZ_SECONDS each.
# New inputs go to fuzz-work/ (ignored); seeds: tests/fuzz/seeds/extract (committed HTML) and
# generated tiny images. A crash leaves its input in fuzz-work/ and fails the target.
FUZZ_SECONDS ?= 60
FUZZ_WORK    ?= fuzz-work
fuzz: $(STAMP)
	@mkdir -p $(FUZZ_WORK)/extract $(FUZZ_WORK)/decode
	$(PY) -m tests.fuzz.make_seeds $(FUZZ_WORK)/decode-seeds
	$(PY) -m tests.fuzz.fuzz_extract -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
		-artifact_prefix=$(FUZZ_WORK)/ $(FUZZ_WORK)/extract tests/fuzz/seeds/extract
	$(PY) -m tests.fuzz.fuzz_decode -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
		-artifact_prefix=$(FUZZ_WORK)/ $(FUZZ_WORK)/decode $(FUZZ_WORK)/decode-seeds

# Optional: InsightFace (non-commercial weights) without a second OpenCV wheel.
insightface: $(STAMP)
	bash infra/install-insightface.sh $(PY)

# Optional: vPDQ video hashes. Builds against FFmpeg: needs cmake, pkg-config and Debian's
# libavcodec-dev libavformat-dev libavdevice-dev libavfilter-dev libavutil-dev libswscale-dev
# libswresample-dev (.ci/run installs them).
vpdq: $(STAMP)
	$(PY) -m pip install --quiet -e '.[vpdq]'

# Face-matching evaluations on ../shared (each skips with a message when a set is absent).
eval: $(STAMP)
	$(VENV)/bin/jikimi eval faces ../shared/faces/dev ../shared/faces/korean-dev
	$(PY) benchmarks/eval_calibration.py

# Speed and scale in one run (search, enrichment, crawl; ratios against baselines of the same run).
# BENCH_ARGS e.g. "--faces 100000,1000000,10000000 --images ../shared/faces/dev --json".
BENCH_ARGS ?=
bench: $(STAMP)
	$(VENV)/bin/jikimi bench $(BENCH_ARGS)

AIRFLOW_VENV  ?= .venv-airflow
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.jikimi-installed

# Airflow 3.3.2 in its own venv (its pins are not jikimi's): Airflow + jikimi (editable) + pytest.
$(AIRFLOW_STAMP): pyproject.toml infra/airflow/setup-venv.sh infra/airflow/constraints-3.3.2-py3.11.txt
	PYTHON=$(PYTHON) bash infra/airflow/setup-venv.sh $(AIRFLOW_VENV)
	@touch $(AIRFLOW_STAMP)

airflow: $(AIRFLOW_STAMP)

# The DAG tests alone (make test also runs them, via tests/test_airflow_dags.py).
dag-test: $(AIRFLOW_STAMP)
	$(AIRFLOW_VENV)/bin/python -m pytest -q dags/tests

# A throwaway single-node Ceph radosgw on 127.0.0.1 for development (the tests start their own).
s3-up:
	bash infra/radosgw/radosgw.sh start

s3-down:
	bash infra/radosgw/radosgw.sh stop

clean-venv:
	rm -rf $(VENV)
