#!/usr/bin/env bash
# One-shot (compose service `airflow-init`, runs as root): migrate Airflow's database and create the
# admin user (the image's /entrypoint does both, driven by _AIRFLOW_DB_MIGRATE and
# _AIRFLOW_WWW_USER_*), hand the shared volumes to the Airflow user, and create the pools the
# DAGs use (infra/airflow/pools.json: `gpu`, `jikimi_match`), then size `gpu`, which bounds
# concurrent enrichment tasks, as GPU workers x their Celery concurrency.
set -euo pipefail
: "${AIRFLOW_UID:?}" "${AIRFLOW_GPU_POOL_SLOTS:?}"

mkdir -p /opt/airflow/logs /opt/jikimi/data
chown -R "$AIRFLOW_UID:0" /opt/airflow/logs /opt/jikimi/data
chmod -R g+rwX /opt/jikimi/data

/entrypoint airflow version
airflow pools import /opt/jikimi-infra/pools.json
airflow pools set gpu "$AIRFLOW_GPU_POOL_SLOTS" "jikimi enrichment on GPU workers"
echo "Airflow initialised; pool gpu has $AIRFLOW_GPU_POOL_SLOTS slots"
