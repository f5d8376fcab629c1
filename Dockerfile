# syntax=docker/dockerfile:1
# Multi-stage build: wheels are built in a full image, the runtime image holds only the
# virtualenv and the app, and runs as an unprivileged user.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md constraints.txt ./
COPY app ./app
RUN pip install --upgrade pip && pip install -c constraints.txt .

# The dashboard (served at /app): types generated from schema.graphql, then a Vite build.
FROM node:20-slim AS dashboard
WORKDIR /src
COPY schema.graphql ./
COPY dashboard/package.json dashboard/package-lock.json ./dashboard/
RUN cd dashboard && npm ci --no-audit --no-fund
COPY dashboard ./dashboard
RUN cd dashboard && npm run build

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MLGRAPH_HOST=0.0.0.0 \
    MLGRAPH_PORT=8000 \
    MLGRAPH_DATA_DIR=/data \
    PYTHONPATH=/srv/mlgraph
RUN groupadd --system --gid 10001 mlgraph \
 && useradd --system --uid 10001 --gid mlgraph --home-dir /srv/mlgraph --shell /usr/sbin/nologin mlgraph \
 && mkdir -p /data /srv/mlgraph \
 && chown mlgraph:mlgraph /data /srv/mlgraph
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/mlgraph
# Migrations are read from the source tree next to app/ (see app/db/migrate.py).
COPY --chown=mlgraph:mlgraph alembic.ini ./
COPY --chown=mlgraph:mlgraph migrations ./migrations
COPY --chown=mlgraph:mlgraph app ./app
COPY --from=dashboard --chown=mlgraph:mlgraph /src/dashboard/dist ./dashboard/dist
USER mlgraph:mlgraph
EXPOSE 8000
# Set DATABASE_URL to your PostgreSQL (>= 15 with the vector extension): the owner's URL,
# used for migrations; the server itself connects as the mlgraph_app role they create
# (give it a password and set MLGRAPH_APP_DB_PASSWORD, or set MLGRAPH_APP_DATABASE_URL).
# Set MLGRAPH_SECRET_KEY (a Fernet key) so sealed credentials survive a new container;
# without it a key is kept in /data/secret-key. Without DATABASE_URL the embedded
# PostgreSQL starts in /data (mount a volume there to keep the data).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["python", "-m", "app.cli", "serve"]
