#!/usr/bin/env bash
# Start a Seams system with `make TARGET` (up, up-split, run), wait for /readyz/, create the
# staff user with `manage.py createsuperuser --noinput` against the same DATABASE_URL, run
# the acceptance suite against it, then stop everything it started and check nothing is left.
#
#   DATABASE_URL=... REDIS_URL=... PORT=18300 acceptance/run.sh up [pytest args...]
#
# The system's output goes to $SEAMS_ACCEPTANCE_LOG (default: a temporary file, printed on
# failure). Exit status: the suite's, or 1 when the system did not come up or left processes.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-up}
shift || true
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
export DJANGO_SUPERUSER_EMAIL=${DJANGO_SUPERUSER_EMAIL:-acceptance-staff@example.com}
export DJANGO_SUPERUSER_PASSWORD=${DJANGO_SUPERUSER_PASSWORD:-acceptance-staff-Pass-1}
export SEAMS_ACCEPTANCE_URL=${SEAMS_ACCEPTANCE_URL:-http://$HOST:$PORT}
export SEAMS_ACCEPTANCE_STAFF_USER=$DJANGO_SUPERUSER_EMAIL
export SEAMS_ACCEPTANCE_STAFF_PASSWORD=$DJANGO_SUPERUSER_PASSWORD
ready_timeout=${SEAMS_ACCEPTANCE_READY_TIMEOUT:-180}
log=${SEAMS_ACCEPTANCE_LOG:-$(mktemp -t "seams-acceptance-$target.XXXXXX.log")}
python=.venv/bin/python

say() { echo "acceptance[$target]: $*" >&2; }

descendants() {  # every live descendant of $1, children first listed after their parent
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "$child"
        descendants "$child"
    done
}

alive() { local pid; for pid in "$@"; do kill -0 "$pid" 2>/dev/null && echo "$pid"; done; }

leader=
stop() {  # SIGTERM the make process group (honcho stops its roles), then SIGKILL stragglers
    [ -n "$leader" ] || return 0
    local pids sessions left
    pids=$(echo $leader $(descendants "$leader"))
    # Roles run in sessions of their own (honcho starts them with setsid): remember those.
    sessions=$(ps -o sid= -p "${pids// /,}" 2>/dev/null | sort -u | tr '\n' ' ')
    kill -TERM -- "-$leader" 2>/dev/null || true
    for _ in $(seq 60); do
        [ -z "$(alive $pids)" ] && break
        sleep 0.5
    done
    left=$(ps -eo pid=,sid= | awk -v s=" $sessions " 'index(s, " " $2 " ") {print $1}')
    left=$(echo $left $(alive $pids) | tr ' ' '\n' | sort -u | grep -vx "$$" || true)
    if [ -n "$left" ]; then
        say "still running after SIGTERM, killing: $(echo $left)"
        kill -KILL $left 2>/dev/null || true
    fi
    leader=
}

finish() {
    local status=$?
    set +e
    stop
    if curl -s -o /dev/null --max-time 2 "$SEAMS_ACCEPTANCE_URL/healthz/"; then
        say "something still answers on $SEAMS_ACCEPTANCE_URL after stopping"
        status=1
    fi
    [ "$status" -eq 0 ] || { say "system log: $log"; tail -n 40 "$log" >&2 || true; }
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

if curl -s -o /dev/null --max-time 2 "$SEAMS_ACCEPTANCE_URL/healthz/"; then
    say "something already answers on $SEAMS_ACCEPTANCE_URL; pick another PORT"
    exit 1
fi

say "make $target on $HOST:$PORT (log: $log)"
setsid make --no-print-directory "$target" >"$log" 2>&1 &
leader=$!

# Ready: /readyz/ answers 200 and no part of the API answers 502-504 (behind an edge, each
# module's service may come up later than the one answering /readyz/).
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SEAMS_ACCEPTANCE_URL$1"; }
answers() {
    [ "$(status /readyz/)" = 200 ] || return 1
    local path
    for path in accounts/me/ catalog/products/ inventory/stock/ orders/ payments/wallet/ \
        notifications/ analytics/sales/; do
        case $(status "/api/v1/$path") in 000 | 502 | 503 | 504) return 1 ;; esac
    done
}
ready=
for _ in $(seq $((ready_timeout * 2))); do
    kill -0 "$leader" 2>/dev/null || { say "make $target exited"; exit 1; }
    if answers; then
        ready=1
        break
    fi
    sleep 0.5
done
[ -n "$ready" ] || { say "not ready after ${ready_timeout}s"; exit 1; }

if ! out=$($python manage.py createsuperuser --noinput 2>&1); then
    case $out in
        *"already taken"*) say "staff user $DJANGO_SUPERUSER_EMAIL exists already" ;;
        *) echo "$out" >&2; exit 1 ;;
    esac
fi

say "running the suite against $SEAMS_ACCEPTANCE_URL"
.venv/bin/pytest -c acceptance/pytest.ini acceptance "$@"
