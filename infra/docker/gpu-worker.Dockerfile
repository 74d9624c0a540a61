# syntax=docker/dockerfile:1
# The GPU enrichment worker: the Airflow image with jikimi, with onnxruntime-gpu in place of the
# CPU onnxruntime. CUDA and cuDNN come as NVIDIA's pip wheels (the `cuda,cudnn` extras), so the
# host needs only the NVIDIA driver and the NVIDIA Container Toolkit, no CUDA install.
# Build from the repository root: docker build -f infra/docker/gpu-worker.Dockerfile .
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
ARG ELASTICSEARCH_CLIENT="elasticsearch>=8.13,<9"
ARG ONNXRUNTIME_GPU="onnxruntime-gpu[cuda,cudnn]>=1.21"
USER 0
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
RUN --mount=type=bind,from=wheels,source=/tmp/wheels,target=/tmp/wheels \
    pip install --no-cache-dir /tmp/wheels/pdqhash-*.whl "apache-airflow==${AIRFLOW_VERSION}" \
      "${ELASTICSEARCH_CLIENT}" /opt/jikimi/src
# Both wheels install the same `onnxruntime` package: remove the CPU one before adding the GPU one,
# then fail the build unless the CUDA provider is compiled in.
RUN pip uninstall -y onnxruntime \
 && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "${ONNXRUNTIME_GPU}" \
 && python -c "import onnxruntime as o, sys; sys.exit('CUDAExecutionProvider' not in o.get_available_providers())"
# Let the dynamic loader find the CUDA/cuDNN libraries that came as pip wheels.
USER 0
RUN find / -xdev -type d -path '*/site-packages/nvidia/*/lib' > /etc/ld.so.conf.d/nvidia-pip.conf \
 && ldconfig
USER 50000
ENV JIKIMI_DATA_DIR=/opt/jikimi/data \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
