# LedgerGraph: a small image that runs `ledgergraph serve` as a non-root user.
#   docker build -t ledgergraph .
#   docker run -p 8000:8000 --env-file .env ledgergraph
# See docs/deploy.md (deploy/compose.yaml runs two workers, Redis, a proxy, Prometheus, Grafana).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY ledgergraph ./ledgergraph
COPY examples ./examples
# The otel extra: traces go out over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
RUN python -m venv /opt/venv && /opt/venv/bin/pip install ".[otel]"

FROM python:3.11-slim
COPY --from=build /opt/venv /opt/venv
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin ledgergraph
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LEDGERGRAPH_HOST=0.0.0.0 \
    LEDGERGRAPH_PORT=8000 \
    LEDGERGRAPH_MODE=production
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('LEDGERGRAPH_PORT', '8000')}/healthz\", timeout=2)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["ledgergraph"]
CMD ["serve", "--no-browser"]
