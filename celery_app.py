"""Celery entry point: `celery -A celery_app worker` and `celery -A celery_app beat`."""
import sys

from app import create_app
from app.checks import ConfigError, refuse_unless_sound
from app.worker import make_celery

try:
    flask_app = create_app()
except ConfigError as exc:  # say what to set, without a traceback
    sys.exit(f"Panelflow cannot start: {exc}")
refuse_unless_sound(flask_app)  # in production only: a worker must not run on a bad set-up
celery = make_celery(flask_app)
