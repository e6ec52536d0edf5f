# syntax=docker/dockerfile:1
#
# RMS Billing production image.
#
#   docker build -t rms-billing .
#   docker run --rm -p 8000:8000 -e SECRET_KEY=... -e DATABASE_URL=... rms-billing
#
# The same image runs every process: `python -m app.cli serve` (default CMD),
# `python -m app.cli migrate` and `python -m app.cli worker` (see docker-compose.yml).
#
# Both stages use the same base image on purpose: the virtualenv built in the
# first stage links to that image's /usr/local/bin/python. The Debian release is
# pinned (bookworm) so the runtime package names below stay valid.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# ---------------------------------------------------------------------------
# builder: a virtualenv with the runtime requirements
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# No compiler or libpq-dev is needed on amd64: every requirement ships a wheel
# (asyncpg, psycopg[binary], uvloop, httptools, bcrypt, pgserver, ...) except
# docopt (via num2words), which is pure Python and builds without one.
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# WeasyPrint's system libraries (its docs, "Debian >= 11", installing from wheels:
# libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; the rest are what those
# pull in, listed because WeasyPrint dlopen()s them by name), fontconfig so the
# font cache is built once at install time instead of in every process,
# DejaVu as the default sans/serif face and Noto for the ₹ sign and Indian
# scripts (Devanagari, Tamil, Bengali, ...) in names and addresses on invoices,
# tzdata for TIMEZONE, and tini as PID 1.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fontconfig \
        fonts-dejavu-core \
        fonts-noto-core \
        tzdata \
        ca-certificates \
        tini \
    && rm -rf /var/lib/apt/lists/*

# Non-root runtime user; its home holds fontconfig's per-user cache.
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app

# Code is owned by root and read-only for `app`. Only .data/ is writable: with
# SMTP_HOST unset, mail is written as .eml files to MAIL_OUTBOX_DIR (.data/outbox).
COPY alembic.ini ./
COPY alembic ./alembic
COPY app ./app
RUN python -m compileall -q app alembic \
    && mkdir -p /app/.data/outbox \
    && chown -R app:app /app/.data

USER app

EXPOSE 8000

# No curl in slim images: probe with the standard library. PORT is honoured in
# case it was overridden at run time.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "app.cli", "serve"]
