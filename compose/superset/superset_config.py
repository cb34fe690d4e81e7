# Superset's configuration in the compose deployment, copied into the image as
# /app/pythonpath/superset_config.py. Options come from the environment (compose.yaml, which takes
# the secrets from compose/.env); nothing secret is in this file.
import os


def _required(name):
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set; set it in compose/.env (see .env.example)")
    return value


APP_NAME = "Clickstream"
# Superset signs sessions and encrypts saved database passwords with it: keep it across upgrades.
SECRET_KEY = _required("SUPERSET_SECRET_KEY")
# Users, datasets, charts and dashboards live in the database `superset` of the stack's PostgreSQL.
SQLALCHEMY_DATABASE_URI = _required("SUPERSET_METADATA_DB_URI")
# Charts always query PostgreSQL: the live dashboard must show the latest minute.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# No Redis in this stack: rate limits are counted per process.
RATELIMIT_STORAGE_URI = "memory://"
# The login form and every mutating API call need a CSRF token (Superset's default, made explicit).
WTF_CSRF_ENABLED = True
# Behind a reverse proxy that terminates TLS, SUPERSET_PROXY_FIX=true keeps redirects on https.
ENABLE_PROXY_FIX = os.environ.get("SUPERSET_PROXY_FIX", "false").lower() == "true"
