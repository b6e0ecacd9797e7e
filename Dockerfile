# syntax=docker/dockerfile:1
#
# One image for all six Resonance deployables; the command picks which one runs:
#   python -m gateway serve --host 0.0.0.0 --port 8000
#   python -m services.<ingest|identity|scoring|routing|sla> serve --host 0.0.0.0 --port 800N
#   python -m <module> migrate        (prestart step: compose one-shot / k8s initContainer)
#
# Build: docker build -t resonance:latest .   (BuildKit, the default builder since Docker 23)

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: every dependency and the project itself as wheels --------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# A compiler for identity resolution's modules compiled with Cython (setup.py) and the rare
# dependency without a wheel for this platform; it stays in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, from pyproject.toml alone, so editing the code reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && pip wheel --wheel-dir /wheels -r requirements.txt

COPY setup.py ./
COPY shared ./shared
COPY services ./services
COPY gateway ./gateway
COPY launcher ./launcher
RUN pip wheel --no-deps --wheel-dir /wheels .

# --- runtime -------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="resonance" \
      org.opencontainers.image.description="Resonance Social CRM: gateway and services" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Numeric uid/gid so Kubernetes' runAsNonRoot can verify them (k8s/ uses 10001 too).
RUN groupadd --system --gid 10001 resonance \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin resonance

# Install from the wheels only (no index); the wheels never become a layer of this image.
# pip compiles the bytecode now, so a read-only root filesystem works at run time.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels resonance \
 && pip check

WORKDIR /app
USER 10001:10001

EXPOSE 8000 8001 8002 8003 8004 8005

# No image-level HEALTHCHECK: the port depends on the deployable. docker-compose.yml and the
# Kubernetes probes check /healthz and /readyz per service.
CMD ["python", "-m", "gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
