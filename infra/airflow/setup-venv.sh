#!/usr/bin/env bash
# Create (or update) the Airflow venv: Apache Airflow 3.3.2 plus jikimi (editable) and pytest.
#
# Airflow gets its own venv because its pins are not jikimi's: `make test` and `jikimi` keep using
# .venv, the DAGs and their tests run here. One pip resolve installs Airflow, jikimi and pytest
# under infra/airflow/constraints-3.3.2-py3.11.txt (Airflow's closure, pinned and checked), so
# jikimi's dependencies can never move an Airflow pin; `pip check` then proves the venv coherent.
#
# Usage: infra/airflow/setup-venv.sh [VENV]   (default .venv-airflow; PYTHON=python3.11 to pick)
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${1:-.venv-airflow}"
python="${PYTHON:-python3}"
constraints="infra/airflow/constraints-3.3.2-py3.11.txt"

version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$version" != "3.11" ]; then
  echo "setup-venv: $constraints was checked with Python 3.11; $python is $version" >&2
fi
test -x "$venv/bin/python" || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -c "$constraints" \
  "apache-airflow==3.3.2" -e . "pytest>=8"
"$venv/bin/python" -m pip check
"$venv/bin/airflow" version
