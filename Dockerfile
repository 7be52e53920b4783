# syntax=docker/dockerfile:1.7
# newsbrief HTTP service. Extractive by default (no torch); see the build args below.
#   docker build -t newsbrief .
#   docker run -p 8000:8000 newsbrief
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# "" (default, extractive only, no torch) or "model" (transformers + torch for the embedding representation);
# add "postgres" (e.g. "model,postgres") for streams in PostgreSQL, shared by replicas (NEWSBRIEF_STREAMS_URL)
ARG EXTRAS=""
# CPU wheels by default; e.g. https://download.pytorch.org/whl/cu124 for CUDA
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
# bake a rewrite model into the image: a name from models/manifest.toml (needs EXTRAS=model)
ARG MODEL=""
# pip writes no bytecode (--no-compile): the only bytecode shipped is that of the modules the build check
# below imports, i.e. what `serve` loads; with a read-only root nothing can be compiled to disk later
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# binutils: `strip`, build stage only
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends binutils && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# dependencies first, so a code change does not reinstall them; the stub package and its build folder go
# afterwards (setuptools would otherwise ship the stale stub instead of the code copied in below). What the
# runtime never runs goes too: test suites, C sources, headers and stubs, and the symbols of compiled
# modules, except where auditwheel rewrote a file with patchelf (RPATH/RUNPATH, the bundled *.libs/):
# strip can corrupt those.
COPY pyproject.toml README.md ./
RUN mkdir service && touch service/__init__.py \
    && if [ -n "$EXTRAS" ]; then pip install --no-compile --extra-index-url "$TORCH_INDEX" ".[${EXTRAS}]"; \
       else pip install --no-compile .; fi \
    && pip uninstall -y newsbrief && rm -rf build service ./*.egg-info \
    && find /opt/venv -type d \( -name tests -o -name test \) -prune -exec rm -rf {} + \
    && find /opt/venv -type f \( -name '*.pyi' -o -name '*.pxd' -o -name '*.pyx' -o -name '*.c' -o -name '*.h' \) \
       -delete \
    && find /opt/venv -type f -name '*.so*' -not -path '*.libs/*' -exec sh -ec 'for f; do \
       if readelf -h "$f" >/dev/null 2>&1 && ! readelf -d "$f" | grep -q -E "[(](RPATH|RUNPATH)[)]"; then \
       strip --strip-unneeded "$f"; fi; done' strip {} +
COPY service ./service
COPY seeds ./seeds
COPY models/manifest.toml /opt/models/manifest.toml
# the installers go, then the build check: it imports what `newsbrief serve` imports, builds the app and
# summarises the seeds (with the model extra, through MiniLM and torch too), so a missing module or a file
# removed too many fails the build, not the first start
RUN pip install --no-deps --no-compile . \
    && if [ -n "$MODEL" ]; then NEWSBRIEF_MODELS_DIR=/opt/models newsbrief models pull "$MODEL"; fi \
    && pip uninstall -y pip setuptools \
    && python -c "from service.api.app import create_app; import service.api.server, service.cli; create_app()" \
    && newsbrief summarize seeds/ > /dev/null \
    && case ",$EXTRAS," in *,model,*) NEWSBRIEF_REPRESENTATION=minilm newsbrief summarize seeds/ > /dev/null;; esac

FROM ${PYTHON_IMAGE} AS runtime
ARG MODEL=""
LABEL org.opencontainers.image.title="newsbrief" \
      org.opencontainers.image.description="Multi-document news briefs with provenance" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    NEWSBRIEF_HOST=0.0.0.0 NEWSBRIEF_PORT=8000 NEWSBRIEF_MODELS_DIR=/opt/models \
    NEWSBRIEF_STREAMS_PATH=/var/lib/newsbrief/streams.sqlite3
# /var/lib/newsbrief: the streams' SQLite file (service/story_store.py), the service user's; the manifests
# mount a volume there (the root is read-only), and a new Docker volume copies that ownership
RUN groupadd --system --gid 10001 newsbrief \
    && useradd --system --uid 10001 --gid newsbrief --home-dir /app --shell /usr/sbin/nologin newsbrief \
    && install -d -o newsbrief -g newsbrief /var/lib/newsbrief
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
# with a baked model the rewrite is on when asked for (rewrite=auto|on); without one it stays off
ENV NEWSBRIEF_REWRITE_MODEL=${MODEL:+$MODEL}
WORKDIR /app
COPY --chown=newsbrief:newsbrief seeds ./seeds
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('NEWSBRIEF_PORT', '8000'), timeout=2)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsbrief"]
CMD ["serve"]
