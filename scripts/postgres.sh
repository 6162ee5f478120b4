#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's package (installed if missing), a new
# cluster in DIR, listening only on a Unix socket in DIR (no TCP port), trust authentication.
#
# Usage: scripts/postgres.sh start DIR   prints the libpq connection string (no dbname)
#        scripts/postgres.sh stop DIR    stops it (the caller removes DIR)
set -euo pipefail

cmd="${1:-}" dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

case "$cmd" in
    start)
        if [ -z "$(bin_dir)" ] || ! id postgres >/dev/null 2>&1; then
            apt-get install -y --no-install-recommends postgresql >/dev/null 2>&1 || {
                apt-get update >/dev/null
                apt-get install -y --no-install-recommends postgresql >/dev/null
            }
        fi
        bin="$(bin_dir)"
        [ -x "$bin/initdb" ] || { echo "PostgreSQL could not be installed" >&2; exit 1; }
        mkdir -p "$dir"
        chown postgres "$dir"
        # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
        as_pg=(runuser -u postgres --)
        [ "$(id -u)" = 0 ] || as_pg=()
        "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
        "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses='' -k $dir -p 5432 -c max_connections=200" start >/dev/null \
            || { cat "$dir/server.log" >&2; exit 1; }
        echo "host=$dir port=5432 user=postgres"
        ;;
    stop)
        bin="$(bin_dir)"
        [ -d "$dir/data" ] || exit 0
        as_pg=(runuser -u postgres --)
        [ "$(id -u)" = 0 ] || as_pg=()
        "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
        ;;
    *)
        echo "usage: $0 start|stop DIR" >&2
        exit 2
        ;;
esac
