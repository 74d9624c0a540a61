#!/usr/bin/env bash
# A durable single-node Ceph cluster serving S3 (radosgw) from one container.
#
# Why Ceph: it is the S3 server jikimi's tests run against (Object Lock COMPLIANCE, legal hold,
# SSE-KMS/SSE-C, presigned URLs all verified), so the deployment keeps the evidence semantics the
# tests prove. One monitor, one BlueStore OSD on a sparse file, pool size 1: no redundancy, for a
# pilot or a single host. At scale, point jikimi at a replicated Ceph cluster or AWS S3 instead.
#
# The monitor and OSD listen on 127.0.0.1 only (nothing outside the container can reach them,
# hence cephx is off); radosgw listens on 0.0.0.0:$RGW_PORT with S3 signature auth.
# Idempotent: the first start creates the cluster under $CEPH_DATA, later starts reuse it.
set -euo pipefail

CEPH_DATA=${CEPH_DATA:-/var/lib/ceph}
MON_PORT=${MON_PORT:-3300}
RGW_PORT=${RGW_PORT:-7480}
OSD_BLOCK_GB=${OSD_BLOCK_GB:-100}                 # sparse: disk is used as objects are written
OSD_MEMORY_TARGET=${OSD_MEMORY_TARGET:-1073741824}
RGW_USER=${RGW_USER:-jikimi}
: "${RGW_ACCESS_KEY:?set RGW_ACCESS_KEY (the S3 access key jikimi uses)}"
: "${RGW_SECRET_KEY:?set RGW_SECRET_KEY (the S3 secret key jikimi uses)}"
# Optional SSE-KMS keys "name=<base64 of 32 bytes>[,name2=...]". Ceph's static-key backend keeps
# them in this container's config: acceptable for a pilot; production uses a real KMS (Vault).
RGW_KMS_KEYS=${RGW_KMS_KEYS:-}

conf=$CEPH_DATA/ceph.conf
mkdir -p "$CEPH_DATA"/{mon/a,osd/0,rgw,run,log,crash}
[ -s "$CEPH_DATA/fsid" ] || cat /proc/sys/kernel/random/uuid > "$CEPH_DATA/fsid"
[ -s "$CEPH_DATA/osd-uuid" ] || cat /proc/sys/kernel/random/uuid > "$CEPH_DATA/osd-uuid"

write_conf() {
  cat > "$conf" <<CONF
[global]
fsid = $(cat "$CEPH_DATA/fsid")
mon_host = v2:127.0.0.1:$MON_PORT
mon_initial_members = a
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
run_dir = $CEPH_DATA/run
admin_socket = $CEPH_DATA/run/\$name.asok
pid_file = $CEPH_DATA/run/\$name.pid
log_file = $CEPH_DATA/log/\$name.log
mon_cluster_log_file = $CEPH_DATA/log/cluster.log
crash_dir = $CEPH_DATA/crash
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 16
osd_pool_default_pgp_num = 16
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000

[mon.a]
mon_data = $CEPH_DATA/mon/a

[osd.0]
osd_data = $CEPH_DATA/osd/0
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = $((OSD_BLOCK_GB * 1024 * 1024 * 1024))
osd_memory_target = $OSD_MEMORY_TARGET

[client.rgw.a]
rgw_frontends = beast endpoint=0.0.0.0:$RGW_PORT
rgw_data = $CEPH_DATA/rgw
ms_mon_client_mode = crc secure
rgw_crypt_require_ssl = false
CONF
  if [ -n "$RGW_KMS_KEYS" ]; then
    printf 'rgw_crypt_s3_kms_backend = testing\nrgw_crypt_s3_kms_encryption_keys = %s\n' \
      "${RGW_KMS_KEYS//,/ }" >> "$conf"
  fi
}

ceph_() { ceph -c "$conf" --connect-timeout 20 "$@"; }

write_conf
if [ ! -e "$CEPH_DATA/mon/a/store.db" ]; then
  monmaptool --create --fsid "$(cat "$CEPH_DATA/fsid")" \
    --addv a "[v2:127.0.0.1:$MON_PORT]" "$CEPH_DATA/run/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$CEPH_DATA/run/monmap"
fi
ceph-mon -c "$conf" -i a

osd_uuid=$(cat "$CEPH_DATA/osd-uuid")
if [ ! -e "$CEPH_DATA/osd/0/ready" ]; then
  ceph_ osd new "$osd_uuid" 0 >/dev/null
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid"
  touch "$CEPH_DATA/osd/0/ready"
fi
ceph-osd -c "$conf" -i 0

radosgw -c "$conf" -n client.rgw.a -f &
rgw_pid=$!

stop() {
  kill -TERM "$rgw_pid" 2>/dev/null || true
  wait "$rgw_pid" 2>/dev/null || true
  for name in osd.0 mon.a; do
    pid_file=$CEPH_DATA/run/$name.pid
    if [ -s "$pid_file" ]; then kill -TERM "$(cat "$pid_file")" 2>/dev/null || true; fi
  done
  sleep 2
  exit 0
}
trap stop TERM INT

# The S3 user jikimi signs with (created once; the keys are re-applied if .env changed them).
for _ in $(seq 60); do ceph_ health >/dev/null 2>&1 && break; sleep 1; done
if radosgw-admin -c "$conf" user info --uid="$RGW_USER" >/dev/null 2>&1; then
  radosgw-admin -c "$conf" key create --uid="$RGW_USER" --key-type=s3 \
    --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >/dev/null
else
  radosgw-admin -c "$conf" user create --uid="$RGW_USER" --display-name="jikimi" \
    --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >/dev/null
fi
echo "radosgw ready on port $RGW_PORT (user $RGW_USER)"
wait "$rgw_pid"
