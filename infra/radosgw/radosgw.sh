#!/usr/bin/env bash
# A throwaway single-node Ceph radosgw (a real S3 server) on 127.0.0.1 for tests and development.
#
#   infra/radosgw/radosgw.sh start  [DIR] [PORT]   # install if missing (root + apt), start, print env
#   infra/radosgw/radosgw.sh status [DIR] [PORT]   # print env and exit 0 when up, exit 1 when not
#   infra/radosgw/radosgw.sh stop   [DIR] [PORT]   # stop the daemons and remove DIR's cluster files
#
# One monitor, one memstore OSD (data lives in RAM: a stopped cluster is gone, so `start` always
# builds a fresh one unless a healthy one is already running in DIR), pools of size 1, no cephx
# auth, the beast frontend on 127.0.0.1:PORT. Object Lock works out of the box; SSE-KMS uses the
# `testing` key backend (key id printed as RADOSGW_KMS_KEY_ID: set JIKIMI_EVIDENCE__KMS_KEY_ID to it
# to encrypt evidence) and SSE-C is allowed over plain HTTP. Never expose this to a network: it has no real authentication between daemons.
#
# `start` prints shell-sourceable lines (also written to DIR/env):
#   eval "$(infra/radosgw/radosgw.sh start)"   # then JIKIMI_S3__* point jikimi at it
# Exit status: 0 ok, 1 failed, 3 cannot run here (not installed and cannot install).
# Defaults: DIR=${TMPDIR:-/tmp}/jikimi-radosgw-PORT, PORT=7480; MON_PORT env (default: a free port).
set -euo pipefail

ACTION=${1:-status}
PORT=${3:-7480}
DIR=${2:-${TMPDIR:-/tmp}/jikimi-radosgw-$PORT}
MEMSTORE_BYTES=${MEMSTORE_BYTES:-2147483648}
KMS_KEY_NAME=jikimi-testing-key
MARKER=.jikimi-radosgw

log() { echo "radosgw.sh: $*" >&2; }

have_binaries() {
  command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null \
    && command -v radosgw >/dev/null && command -v radosgw-admin >/dev/null \
    && command -v monmaptool >/dev/null && command -v ceph >/dev/null
}

install_if_missing() {
  have_binaries && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "Ceph is not installed and cannot be installed here (needs root and apt-get):"
    log "  apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common"
    exit 3
  fi
  log "installing ceph-mon ceph-osd radosgw ceph-common (~20 s)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           ceph-mon ceph-osd radosgw ceph-common >/dev/null 2>&1 \
         || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
              --no-install-recommends ceph-mon ceph-osd radosgw ceph-common >/dev/null; }; }; then
    log "apt-get could not install Ceph"
    exit 3
  fi
  have_binaries || { log "Ceph binaries still missing after install"; exit 3; }
}

pids() { cat "$DIR"/run/*.pid 2>/dev/null || true; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

endpoint_up() {
  python3 - "$PORT" <<'EOF' >/dev/null 2>&1
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2)
except urllib.error.HTTPError:
    pass  # any HTTP answer (403 for an anonymous request) means radosgw is serving
EOF
}

running() {
  [ -f "$DIR/$MARKER" ] && [ -f "$DIR/env" ] || return 1
  local pid any=0
  for pid in $(pids); do alive "$pid" || return 1; any=1; done
  [ "$any" = 1 ] && endpoint_up
}

stop_daemons() {
  local pid name
  for name in rgw osd mon; do  # gateway first, monitor last
    for f in "$DIR"/run/*"$name"*.pid; do
      [ -f "$f" ] || continue
      pid=$(cat "$f")
      if alive "$pid"; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do alive "$pid" || break; sleep 0.2; done
        if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
      fi
      rm -f "$f"
    done
  done
}

wipe() {
  # Only ever remove a folder this script created (marker file), never an arbitrary DIR.
  if [ -d "$DIR" ] && [ -f "$DIR/$MARKER" ]; then rm -rf "$DIR"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

random_token() { python3 -c "import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))" "$1"; }

write_conf() {
  local fsid=$1 mon_port=$2 kms_key
  kms_key=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
  cat >"$DIR/ceph.conf" <<EOF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$mon_port
mon_initial_members = a
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
keyring = $DIR/keyring
run_dir = $DIR/run
admin_socket = $DIR/run/\$name.asok
pid_file = $DIR/run/\$name.pid
log_file = $DIR/log/\$name.log
mon_cluster_log_file = $DIR/log/cluster.log
crash_dir = $DIR/crash
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000

[mon.a]
mon_data = $DIR/mon/a

[osd.0]
osd_data = $DIR/osd/0
osd_objectstore = memstore
memstore_device_bytes = $MEMSTORE_BYTES
osd_max_object_name_len = 460
osd_max_object_namespace_len = 64

[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$PORT
rgw_data = $DIR/rgw
rgw_dns_name = 127.0.0.1
ms_mon_client_mode = crc secure
rgw_crypt_require_ssl = false
rgw_crypt_s3_kms_backend = testing
rgw_crypt_s3_kms_encryption_keys = $KMS_KEY_NAME=$kms_key
EOF
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "timed out after ${seconds}s waiting for $what (logs in $DIR/log)"
  return 1
}

osd_up() { ceph -c "$DIR/ceph.conf" osd stat 2>/dev/null | grep -q "1 up"; }

start() {
  if running; then cat "$DIR/env"; return 0; fi
  install_if_missing
  [ -e "$DIR" ] && [ ! -f "$DIR/$MARKER" ] && [ -n "$(ls -A "$DIR")" ] \
    && { log "$DIR exists and was not made by this script; refusing to use it"; exit 1; }
  stop_daemons; wipe
  mkdir -p "$DIR"/{run,log,crash,mon/a,osd/0,rgw}
  touch "$DIR/$MARKER"
  local conf="$DIR/ceph.conf" fsid mon_port access secret
  fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  mon_port=${MON_PORT:-$(free_port)}
  write_conf "$fsid" "$mon_port"
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$conf" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/keyring" 2>>"$DIR/log/setup.log"
  ceph-mon -c "$conf" -i a 2>>"$DIR/log/setup.log"
  wait_for 30 "the monitor" ceph -c "$conf" --connect-timeout 2 mon stat
  local osd_uuid
  osd_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
  ceph -c "$conf" osd new "$osd_uuid" >/dev/null
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
  ceph-osd -c "$conf" -i 0 2>>"$DIR/log/setup.log"
  wait_for 60 "the OSD" osd_up
  radosgw -c "$conf" -n client.rgw.a 2>>"$DIR/log/setup.log"
  wait_for 90 "radosgw on 127.0.0.1:$PORT" endpoint_up
  access=JK$(random_token 9 | tr '[:lower:]' '[:upper:]')
  secret=$(random_token 20)
  radosgw-admin -c "$conf" user create --uid=jikimi --display-name="jikimi tests" \
    --access-key="$access" --secret="$secret" >/dev/null
  cat >"$DIR/env" <<EOF
JIKIMI_S3__ENDPOINT_URL=http://127.0.0.1:$PORT
JIKIMI_S3__REGION=default
JIKIMI_S3__ACCESS_KEY_ID=$access
JIKIMI_S3__SECRET_ACCESS_KEY=$secret
JIKIMI_S3__CREATE_BUCKETS=true
RADOSGW_KMS_KEY_ID=$KMS_KEY_NAME
RADOSGW_DIR=$DIR
EOF
  chmod 600 "$DIR/env"
  cat "$DIR/env"
}

case "$ACTION" in
  start) start ;;
  stop) stop_daemons; wipe; log "stopped ($DIR removed)" ;;
  status) if running; then cat "$DIR/env"; else log "not running in $DIR"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status [DIR] [PORT]" >&2; exit 2 ;;
esac
