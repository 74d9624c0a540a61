#!/usr/bin/env bash
# One-shot (compose service `es-setup`): give Kibana's built-in user its password and give jikimi
# a role and user that can manage only its own indices (`<prefix>*`), never the whole cluster.
# Idempotent: passwords and the role are re-applied on every start.
# Passwords are sent inside JSON: use letters and digits (e.g. `openssl rand -hex 24`).
set -euo pipefail
: "${ES_URL:?}" "${ELASTIC_PASSWORD:?}" "${KIBANA_SYSTEM_PASSWORD:?}"
: "${APP_ES_USERNAME:?}" "${APP_ES_PASSWORD:?}" "${APP_ES_INDEX_PREFIX:?}"

es() {  # METHOD PATH [JSON]: fails on any HTTP status but 2xx
  local status
  status=$(curl -s -o /tmp/es-response.json -w '%{http_code}' -u "elastic:$ELASTIC_PASSWORD" \
    -X "$1" "$ES_URL$2" -H 'Content-Type: application/json' ${3:+-d "$3"})
  if [[ $status != 2* ]]; then
    echo "$1 $2 -> HTTP $status: $(cat /tmp/es-response.json)" >&2
    return 1
  fi
}

for _ in $(seq 60); do es GET "/_cluster/health?wait_for_status=yellow&timeout=5s" && break; sleep 5; done
es GET "/_cluster/health?wait_for_status=yellow&timeout=5s"

es POST /_security/user/kibana_system/_password "{\"password\": \"$KIBANA_SYSTEM_PASSWORD\"}"
es PUT /_security/role/jikimi_app "{
  \"cluster\": [\"monitor\", \"manage_index_templates\", \"manage_ilm\"],
  \"indices\": [{\"names\": [\"$APP_ES_INDEX_PREFIX*\"], \"privileges\": [\"all\"]}]
}"
es PUT "/_security/user/$APP_ES_USERNAME" "{
  \"password\": \"$APP_ES_PASSWORD\", \"roles\": [\"jikimi_app\"], \"full_name\": \"jikimi\"
}"
# Read-only access for people who review hits in Kibana (assign it to their users): hits and
# media only (aliases and their versioned indices). Never persons, templates, calibrations,
# alerts, deliveries or the audit log: names, contacts and faces stay with jikimi itself.
P="$APP_ES_INDEX_PREFIX"
es PUT /_security/role/jikimi_reviewer "{
  \"indices\": [{\"names\": [\"$P-hits\", \"$P-hits-v*\", \"$P-media\", \"$P-media-v*\"], \"privileges\": [\"read\", \"view_index_metadata\"]}],
  \"applications\": [{\"application\": \"kibana-.kibana\", \"privileges\": [\"feature_discover.read\", \"feature_dashboard.read\"], \"resources\": [\"*\"]}]
}"
echo "Elasticsearch users ready: kibana_system, $APP_ES_USERNAME (role jikimi_app), role jikimi_reviewer"
