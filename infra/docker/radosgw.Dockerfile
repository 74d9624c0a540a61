# syntax=docker/dockerfile:1
# A single-node Ceph (one monitor, one BlueStore OSD, radosgw) from Debian's packages: the same
# Ceph release CI tests jikimi's S3 adapter against. See infra/docker/radosgw-entrypoint.sh.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl tini \
 && rm -rf /var/lib/apt/lists/*
COPY infra/docker/radosgw-entrypoint.sh /usr/local/bin/ceph-single-node
VOLUME ["/var/lib/ceph"]
EXPOSE 7480
ENTRYPOINT ["tini", "--", "/usr/local/bin/ceph-single-node"]
