#!/bin/sh
# compose's superset-init: prepares Superset's metadata database the way Superset's own container
# does (docker/docker-init.sh), and is safe to run on every `docker compose up`: `db upgrade`
# migrates to the image's version, the admin user is created once and its password set to the one
# in compose/.env, `superset init` refreshes roles and permissions.
set -eu
: "${SUPERSET_ADMIN_USER:?set SUPERSET_ADMIN_USER in compose/.env}"
: "${SUPERSET_ADMIN_PASSWORD:?set SUPERSET_ADMIN_PASSWORD in compose/.env}"
echo "superset-init: migrating the metadata database"
superset db upgrade
echo "superset-init: admin user $SUPERSET_ADMIN_USER"
superset fab create-admin --username "$SUPERSET_ADMIN_USER" --firstname Clickstream --lastname Admin \
  --email "$SUPERSET_ADMIN_USER@localhost" --password "$SUPERSET_ADMIN_PASSWORD"
superset fab reset-password --username "$SUPERSET_ADMIN_USER" --password "$SUPERSET_ADMIN_PASSWORD"
echo "superset-init: roles and permissions"
superset init
echo "superset-init: done"
