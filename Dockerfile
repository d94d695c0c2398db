# syntax=docker/dockerfile:1
# One image, every role: `docker run IMAGE web|worker|relay|beat|migrate|all-in-one|manage ...`
# (see docker/entrypoint.sh). Dependencies come only from requirements.lock, hash-checked: the
# runtime lock, without the test and lint tools of requirements-dev.lock (ADR 0010).

# --- build: a virtual environment with the locked dependencies -----------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --no-deps --require-hashes -r /tmp/requirements.lock \
    && /opt/venv/bin/pip check

# --- runtime: the code, the venv, a non-root user ------------------------------------------
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    SEAMS_DATA_DIR=/app/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/seams-prometheus
RUN groupadd --system --gid 10001 seams \
    && useradd --system --uid 10001 --gid seams --home-dir /app --no-create-home seams
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . /app
# Static files are collected at build time; the build-only values never reach a container.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown seams:seams /app/var
# A host folder bind-mounted at /app/var must be writable by uid 10001 (user seams).
VOLUME ["/app/var"]
USER seams
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
