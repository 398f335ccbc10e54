# The same install and serve steps as scripts/serve, for a container.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SC_EMULATOR_HOST=0.0.0.0 SC_EMULATOR_PORT=8000 \
    SC_EMULATOR_DATABASE_URL=sqlite:////data/emulator.db
WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulator ./emulator
RUN pip install --no-cache-dir . && useradd --create-home --uid 10001 emulator \
    && mkdir /data && chown emulator /data
USER emulator
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/_emulator/health', timeout=2).status != 200)"
CMD ["sendcloud-emulator", "serve"]
