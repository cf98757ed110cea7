# One image for every commune: the commune is its config file (mounted at /config), its tokens
# and its database URL (environment). `docker run … run` starts the bot; the same image runs
# `migrate-store`, `backup` and `health`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md config.example.toml ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY domain ./domain
RUN pip install . && useradd --system --uid 10001 --home /data doithoai \
    && mkdir -p /data /config && chown doithoai /data
USER doithoai
WORKDIR /data
VOLUME ["/data"]

# The service manager's question "is it working?": the store answers, at this build's schema,
# and its queues move (bot/store_cli.py).
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "--config", "/config/config.toml", "health"]

ENTRYPOINT ["python", "-m", "bot", "--config", "/config/config.toml"]
CMD ["run"]
