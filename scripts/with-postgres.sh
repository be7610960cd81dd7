#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL: a new cluster in a temp directory, listening only on
# 127.0.0.1 at a free port, trusted local logins, removed afterwards. The command sees
# WRENN_TEST_DATABASE_URL (a postgres:// URL of the maintenance database; tests create their own
# databases in it). The command's exit status is this script's.
#
#   scripts/with-postgres.sh dotnet test --project tests/Wrenn.ControlPlane.Tests -c Release
set -euo pipefail

[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[[ -x "$bindir/initdb" ]] || { echo "with-postgres: PostgreSQL server binaries not found; scripts/install-deps.sh test installs them" >&2; exit 1; }

# The server refuses to run as root; the cluster belongs to the postgres user the package created.
as_postgres() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

root="$(mktemp -d /tmp/wrenn-postgres-XXXXXX)"
chmod 755 "$root"
[[ $EUID -eq 0 ]] && chown postgres: "$root"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"

stop() {
  as_postgres "$bindir/pg_ctl" -D "$root/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap stop EXIT

as_postgres "$bindir/initdb" -D "$root/data" -U postgres --auth=trust -E UTF8 --no-instructions >"$root/initdb.log" 2>&1 \
  || { cat "$root/initdb.log" >&2; exit 1; }
as_postgres "$bindir/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $root -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
  || { cat "$root/server.log" >&2; exit 1; }

export WRENN_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
status=0
"$@" || status=$?
if [[ $status -ne 0 ]]; then
  echo "with-postgres: command failed ($status); server log tail:" >&2
  tail -n 30 "$root/server.log" >&2 || true
fi
exit "$status"
