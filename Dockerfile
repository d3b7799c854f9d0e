# The production image; docker-compose.yml runs it behind nginx (deploy/nginx/). See docs/operations.md.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY chatserver ./chatserver
COPY rooms ./rooms
COPY moderation ./moderation
COPY frontend ./frontend
COPY manage.py ./
# collectstatic loads the production settings, which need a strong key: a throwaway one, never kept.
RUN pip install --no-cache-dir . \
    && SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 chat && chown -R chat /app
USER chat
EXPOSE 8000
# --verbosity 0: no Daphne access log, which would write every path (calendar secrets included) to stdout.
CMD ["daphne", "--verbosity", "0", "-b", "0.0.0.0", "-p", "8000", "--websocket_connect_timeout", "20", "chatserver.asgi:application"]
