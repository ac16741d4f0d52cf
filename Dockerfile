# One image for every process of the platform: web (gunicorn), worker and beat (celery).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=hotline.settings \
    PYTHONPATH=/app \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/var/lib/hotline/media

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are part of the image (whitenoise serves them from VAR_DIR/staticfiles). The
# settings need a SECRET_KEY and a broker URL to load; these dummies never leave the build.
RUN SECRET_KEY=collectstatic-only CELERY_BROKER_URL=redis://build-only:6379/0 \
        python manage.py collectstatic --noinput \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin hotline \
    && mkdir -p /var/lib/hotline/media \
    && chown -R hotline:hotline /app/var /var/lib/hotline

USER hotline
EXPOSE 8000

# docker-compose.yml gives each service its own command; this default is the web server.
CMD ["gunicorn", "hotline.wsgi", "--bind=0.0.0.0:8000", "--workers=4", "--threads=4", \
     "--access-logfile=-", "--no-control-socket"]
