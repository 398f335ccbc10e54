# sendcloud-emulator image: python slim, PyPI only, non-root, SQLite on the /data volume.
# Every step is one that scripts/ runs and tests/test_docker.py checks (no Docker needed for that).

# Build stage: the wheel of this checkout and a virtual environment with it (scripts/install-venv).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sendcloud_emulator ./sendcloud_emulator
COPY scripts/install-venv ./scripts/install-venv
RUN scripts/install-venv /opt/venv

# Final stage: the same slim base, only the virtual environment copied over (no build leftovers).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    SC_EMULATOR_HOST=0.0.0.0 SC_EMULATOR_PORT=8000 SC_EMULATOR_SMTP_PORT=2525 \
    SC_EMULATOR_DATABASE_URL=sqlite:////data/emulator.db
COPY --from=build /opt/venv /opt/venv
RUN useradd --system --uid 10001 --no-create-home --home-dir /data emulator \
    && mkdir /data && chown emulator /data
USER emulator
WORKDIR /data
VOLUME /data
EXPOSE 8000 2525
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=6 CMD ["sendcloud-emulator", "health"]
CMD ["sendcloud-emulator", "serve"]
