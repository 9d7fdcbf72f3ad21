#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: 127.0.0.1, a free port, trust authentication, superuser
# "postgres", everything inside one folder. Used by scripts/test.sh, scripts/bench-import.sh and the test fixture
# (tests/Newsletter.Tests/Support/PostgresServer.cs).
#
#   scripts/postgres.sh install          installs Debian's postgresql with apt when it is missing (as root);
#                                        otherwise says plainly what to install, and exits 1
#   scripts/postgres.sh start DIR [--fast]
#                                        creates and starts a cluster in DIR (made if missing) and prints its admin
#                                        connection string on the last line; --fast turns off fsync (tests only)
#   scripts/postgres.sh stop DIR         stops it (the folder stays; remove it yourself)
#
# As root, initdb and pg_ctl run as the postgres user (PostgreSQL refuses to run as root), so DIR and every parent
# must be readable by it; a non-root user runs them as themselves.
set -euo pipefail

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] && { echo "$found"; return 0; }
  command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ] && { pg_config --bindir; return 0; }
  return 1
}

as_owner() { # runs a command as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  install)
    bindir >/dev/null && exit 0
    if [ "$(id -u)" -ne 0 ]; then
      echo "PostgreSQL is not installed and this user cannot install it: run 'apt-get install -y postgresql' as root" \
           "(or set NEWSLETTER_TEST_POSTGRES to the admin connection string of a server you have)." >&2
      exit 1
    fi
    apt-get update -qq
    # The package's own cluster is not used; ours start on demand in a temporary folder.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir >/dev/null || { echo "apt installed postgresql but no initdb was found under /usr/lib/postgresql." >&2; exit 1; }
    ;;
  start)
    dir="${2:?usage: scripts/postgres.sh start DIR [--fast]}"
    bin=$(bindir) || { echo "No PostgreSQL server binaries (initdb) found: run scripts/postgres.sh install." >&2; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; chmod 0755 "$dir"; fi
    fast=()
    [ "${3:-}" = "--fast" ] && fast=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5; do
      port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # taken
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
           -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB ${fast[*]}" \
           start >/dev/null; then
        echo "$port" > "$dir/port"
        echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
        exit 0
      fi
    done
    echo "PostgreSQL did not start; its log:" >&2; tail -20 "$dir/server.log" >&2; exit 1
    ;;
  stop)
    dir="${2:?usage: scripts/postgres.sh stop DIR}"
    bin=$(bindir) || exit 0
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  *)
    sed -n '2,14p' "$0" >&2; exit 2
    ;;
esac
