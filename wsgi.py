"""Entry point for gunicorn and `flask`: `gunicorn -c gunicorn.conf.py wsgi:app`."""
import sys

from app import create_app
from app.checks import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # say what to set, without a traceback
    sys.exit(f"Panelflow cannot start: {exc}")
