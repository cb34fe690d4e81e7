#!/bin/sh
# Runs once, when the postgres container initialises an empty data folder (the image runs
# /docker-entrypoint-initdb.d/*.sh as the superuser): the roles and databases of the stack.
#   clickstream         owns the database clickstream; the processor (schema realtime) and the
#                       batch (schema daily) create their tables as this role
#   clickstream_reader  may read every table and view clickstream creates and write nothing of
#                       theirs: Superset's charts and the live view read with it; it may create
#                       tables in schema public only (Superset's "Upload CSV to database")
#   superset            owns the database superset: Superset's own metadata (users, dashboards)
# Passwords come from the environment (compose/.env), never from this file; psql quotes them.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_password="$CLICKSTREAM_DB_PASSWORD" \
  -v reader_password="$CLICKSTREAM_READER_PASSWORD" \
  -v superset_password="$SUPERSET_DB_PASSWORD" <<'SQL'
CREATE ROLE clickstream LOGIN PASSWORD :'app_password';
CREATE DATABASE clickstream OWNER clickstream;
CREATE ROLE clickstream_reader LOGIN PASSWORD :'reader_password';
CREATE ROLE superset LOGIN PASSWORD :'superset_password';
CREATE DATABASE superset OWNER superset;
\connect clickstream
REVOKE ALL ON DATABASE clickstream FROM PUBLIC;
GRANT CONNECT ON DATABASE clickstream TO clickstream, clickstream_reader;
-- Schemas and tables do not exist yet (the services create them on start): grant on what
-- clickstream will create.
ALTER DEFAULT PRIVILEGES FOR ROLE clickstream GRANT USAGE ON SCHEMAS TO clickstream_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE clickstream GRANT SELECT ON TABLES TO clickstream_reader;
GRANT USAGE, CREATE ON SCHEMA public TO clickstream_reader;
SQL
