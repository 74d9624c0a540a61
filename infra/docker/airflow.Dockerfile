# syntax=docker/dockerfile:1
# Airflow 3 with jikimi installed, for the api-server, scheduler, dag-processor and CPU workers: the
# DAGs (mounted from dags/) import jikimi's stage functions in-process.
# Build from the repository root: docker build -f infra/docker/airflow.Dockerfile .
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11

FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION} AS wheels
USER 0
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ \
 && rm -rf /var/lib/apt/lists/*
USER 50000
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/wheels "pdqhash>=0.2.5"

FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
ARG AIRFLOW_VERSION
# The client's major version must match the server's (a 9.x client is refused by Elasticsearch 8).
ARG ELASTICSEARCH_CLIENT="elasticsearch>=8.13,<9"
USER 0
# Debian's chromium renders the pages of `render: browser` sites (Playwright downloads no browser).
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium \
 && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /opt/jikimi/src /opt/jikimi/data \
 && chown -R airflow:0 /opt/jikimi \
 && chmod -R g+rwX /opt/jikimi
USER 50000
COPY --chown=airflow:0 pyproject.toml README.md /opt/jikimi/src/
COPY --chown=airflow:0 jikimi /opt/jikimi/src/jikimi
COPY --chown=airflow:0 kernel /opt/jikimi/src/kernel
COPY --chown=airflow:0 crawlers /opt/jikimi/src/crawlers
COPY --chown=airflow:0 enrichment /opt/jikimi/src/enrichment
COPY --chown=airflow:0 search /opt/jikimi/src/search
# Naming apache-airflow at its version keeps pip from up- or downgrading Airflow for jikimi.
RUN --mount=type=bind,from=wheels,source=/tmp/wheels,target=/tmp/wheels \
    pip install --no-cache-dir /tmp/wheels/pdqhash-*.whl "apache-airflow==${AIRFLOW_VERSION}" \
      "${ELASTICSEARCH_CLIENT}" /opt/jikimi/src
ENV JIKIMI_DATA_DIR=/opt/jikimi/data
