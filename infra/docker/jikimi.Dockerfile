# syntax=docker/dockerfile:1
# jikimi's CPU image: the `jikimi` command (es migrate, enroll, run, export, …) and boto3 for the
# bucket one-shot. Build from the repository root: docker build -f infra/docker/jikimi.Dockerfile .
ARG PYTHON_VERSION=3.11

# pdqhash ships no wheel for every platform: build all wheels with a compiler, install without one.
FROM python:${PYTHON_VERSION}-slim-bookworm AS wheels
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ \
 && rm -rf /var/lib/apt/lists/*
# The client's major version must match the server's (a 9.x client is refused by Elasticsearch 8).
ARG ELASTICSEARCH_CLIENT="elasticsearch>=8.13,<9"
WORKDIR /src
COPY pyproject.toml README.md ./
COPY jikimi ./jikimi
COPY kernel ./kernel
COPY crawlers ./crawlers
COPY enrichment ./enrichment
COPY search ./search
RUN pip wheel --no-cache-dir --wheel-dir /wheels . "${ELASTICSEARCH_CLIENT}"

FROM python:${PYTHON_VERSION}-slim-bookworm
ARG ELASTICSEARCH_CLIENT="elasticsearch>=8.13,<9"
# Debian's chromium renders the pages of `render: browser` sites (Playwright downloads no browser).
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels jikimi "${ELASTICSEARCH_CLIENT}"
# UID 50000, group 0: the same owner as the Airflow images, so both can share the data volume.
RUN useradd --uid 50000 --gid 0 --home-dir /opt/jikimi --create-home jikimi \
 && mkdir -p /opt/jikimi/data \
 && chown -R 50000:0 /opt/jikimi \
 && chmod -R g+rwX /opt/jikimi
USER 50000
WORKDIR /opt/jikimi
ENV JIKIMI_DATA_DIR=/opt/jikimi/data
ENTRYPOINT ["jikimi"]
CMD ["--help"]
