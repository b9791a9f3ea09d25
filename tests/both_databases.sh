#!/usr/bin/env bash
# `make test`'s suite runs: the whole suite on SQLite and on PostgreSQL side by side, one per
# core, so the two runs take the time of the longer rather than the sum (issue 21: under 15
# minutes on a 2-core machine). They share nothing: each has its own database (a SQLite file in
# its own temporary folder; a PostgreSQL database named for its process), its own ports
# (chosen free), its own Celery queues and Redis keys (named per test). Each line is prefixed
# with its database; each run's summary is repeated at the end, and the result fails if either
# fails.
#
# The production-shape test (tests/production/test_production_shape.py) runs once, in the
# SQLite run: it starts gunicorn, Celery and beat on a PostgreSQL database of its own whichever
# database the suite uses, so a second run would repeat the same test to the letter, on the
# run that finishes last. `make test-postgres` alone still runs it.
set -uo pipefail
BIN=${BIN:-.venv/bin}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run() {
    local db=$1
    PANELFLOW_TEST_DB=$db "$BIN/pytest" -q -p no:cacheprovider "${@:2}" 2>&1 \
        | tee "$logs/$db.log" | sed -u "s/^/[$db] /"
    return "${PIPESTATUS[0]}"
}

run sqlite "$@" & sqlite=$!
run postgresql --deselect tests/production/test_production_shape.py "$@" & postgresql=$!
wait "$sqlite"; sqlite_rc=$?
wait "$postgresql"; postgresql_rc=$?

echo
for db in sqlite postgresql; do
    echo "== $db: $(tail -n 1 "$logs/$db.log")"
done
[ "$sqlite_rc" -eq 0 ] && [ "$postgresql_rc" -eq 0 ]
