#!/usr/bin/env bash
# One-shot (compose service `kibana-import`): import every saved-objects file in
# /opt/jikimi-infra/kibana (infra/kibana/*.ndjson) with overwrite, so re-running after an upgrade
# replaces jikimi's data views and dashboards in place. Fails if a file imports with errors.
set -euo pipefail
: "${KIBANA_URL:?}" "${ELASTIC_PASSWORD:?}"
shopt -s nullglob
files=(/opt/jikimi-infra/kibana/*.ndjson)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no saved objects (*.ndjson) in infra/kibana" >&2
  exit 1
fi

for file in "${files[@]}"; do
  for attempt in $(seq 30); do
    status=$(curl -s -o /tmp/import.json -w '%{http_code}' -u "elastic:$ELASTIC_PASSWORD" \
      -X POST "$KIBANA_URL/api/saved_objects/_import?overwrite=true" \
      -H 'kbn-xsrf: true' --form "file=@$file")
    [ "$status" != 503 ] && break  # Kibana still starting its saved-objects service
    echo "Kibana not ready (attempt $attempt), waiting" >&2
    sleep 5
  done
  if [ "$status" != 200 ] || ! grep -q '"success":true' /tmp/import.json; then
    echo "import of $(basename "$file") failed (HTTP $status): $(cat /tmp/import.json)" >&2
    exit 1
  fi
  echo "imported $(basename "$file")"
done
