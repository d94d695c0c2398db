#!/bin/sh
# One entrypoint for every process of Seams: the image's ENTRYPOINT, the Procfile (`make up`)
# and docker-compose.yml all start roles through it, so a role means the same thing everywhere.
#
#   entrypoint.sh web [gunicorn args]     gunicorn on $HOST:$PORT (app/gunicorn_conf.py), or
#                                         with WEB_SERVER=granian granian (app/granian_server.py:
#                                         the webs other services call, ADR 0020; no args)
#   entrypoint.sh worker [celery args]    Celery worker consuming every module queue
#   entrypoint.sh relay [args]            outbox relay: publishes recorded events to Celery
#   entrypoint.sh beat [celery args]      Celery beat (periodic jobs such as saga time-outs)
#   entrypoint.sh migrate                 apply migrations, then exit
#   entrypoint.sh all-in-one [args]       migrate (and seed_demo if SEAMS_SEED_DEMO=1), then web
#                                         with events delivered in process: one container,
#                                         SQLite unless DATABASE_URL names another database
#   entrypoint.sh manage [command ...]    python manage.py command ... (createsuperuser, shell)
#   entrypoint.sh anything else ...       run as given (bash, python -c ..., ...)
#
# SEAMS_ENTRYPOINT_DRY_RUN=1 prints each command instead of running it (the tests use it).
set -eu

cd "$(dirname "$0")/.."

dry_run=${SEAMS_ENTRYPOINT_DRY_RUN:-0}

step() {  # run a command and go on
    if [ "$dry_run" = 1 ]; then echo "run: $*"; else "$@"; fi
}

become() {  # replace this shell by the command (it gets the signals: clean Ctrl-C and stop)
    if [ "$dry_run" = 1 ]; then echo "exec: $*"; exit 0; fi
    exec "$@"
}

role=${1:-web}
[ $# -gt 0 ] && shift

case "$role" in
    web)
        case "${WEB_SERVER:-gunicorn}" in
            gunicorn) become gunicorn app.wsgi:application -c app/gunicorn_conf.py "$@" ;;
            granian) become python -m app.granian_server ;;
            *) echo "WEB_SERVER must be gunicorn or granian, not '$WEB_SERVER'" >&2; exit 2 ;;
        esac
        ;;
    worker)
        # prefork children write metric samples apart from the web's (which gunicorn wipes);
        # the main process serves them summed on SEAMS_METRICS_PORT (docs/observability.md)
        export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_WORKER_MULTIPROC_DIR:-${TMPDIR:-/tmp}/seams-prometheus-worker-$(id -u)}"
        become celery -A app worker --loglevel "${LOG_LEVEL:-INFO}" "$@"
        ;;
    relay)
        unset PROMETHEUS_MULTIPROC_DIR  # one process: its own registry, on SEAMS_METRICS_PORT
        become python manage.py events relay "$@"
        ;;
    beat)
        become celery -A app beat --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/seams-celerybeat-schedule}" "$@"
        ;;
    migrate)
        become python manage.py migrate --noinput "$@"
        ;;
    all-in-one)
        # One process hosts everything: no broker, events delivered in process.
        data_dir=${SEAMS_DATA_DIR:-$PWD/var}
        if [ -z "${DATABASE_URL:-}" ]; then
            step mkdir -p "$data_dir"
            export DATABASE_URL="sqlite:///$data_dir/seams.sqlite3"
        fi
        export SEAMS_EVENT_TRANSPORT=embedded
        export CELERY_TASK_ALWAYS_EAGER=true
        if [ "$dry_run" = 1 ]; then
            echo "env: DATABASE_URL=$DATABASE_URL SEAMS_EVENT_TRANSPORT=$SEAMS_EVENT_TRANSPORT" \
                "CELERY_TASK_ALWAYS_EAGER=$CELERY_TASK_ALWAYS_EAGER"
        fi
        step python manage.py migrate --noinput
        if [ "${SEAMS_SEED_DEMO:-0}" = 1 ]; then
            step python manage.py seed_demo
        fi
        become gunicorn app.wsgi:application -c app/gunicorn_conf.py "$@"
        ;;
    manage)
        become python manage.py "$@"
        ;;
    *)
        become "$role" "$@"
        ;;
esac
