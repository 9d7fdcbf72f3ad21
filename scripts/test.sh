#!/usr/bin/env bash
# Runs every test twice, once on SQLite and once on PostgreSQL, and prints "N passed, N failed, N skipped" summed over
# both passes. Works on a fresh machine with only the .NET SDK: as root it installs what is missing with apt (Chromium
# for the browser tests, PostgreSQL for the second pass); otherwise those tests fail saying what to install, and a
# PostgreSQL pass that cannot run is reported as NOT RUN and counted as a failure, never passed over in silence.
#
# PostgreSQL: NEWSLETTER_TEST_POSTGRES (an admin connection string) if set, else a throwaway cluster in a temporary
# folder on 127.0.0.1 and a free port (scripts/postgres.sh), removed at the end.
# Extra arguments go to both `dotnet test` runs (e.g. --filter "FullyQualifiedName~Donations").
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="artifacts/test-results"
rm -rf "$results"
# Chromium for the browser tests: installed with apt when missing (as root); otherwise those tests fail saying what to install.
bash scripts/ci-deps.sh || echo "Could not install the test machine's packages; the browser tests will say what is missing."

postgres_missing=""
cluster=""
stop_cluster() { [ -n "$cluster" ] && { bash scripts/postgres.sh stop "$cluster/pg"; rm -rf "$cluster"; }; }
trap stop_cluster EXIT
if [ -z "${NEWSLETTER_TEST_POSTGRES:-}" ]; then
  if install_error=$(bash scripts/postgres.sh install 2>&1); then
    cluster=$(mktemp -d /tmp/newsletter-test-pg.XXXXXX)
    chmod 0755 "$cluster" # the cluster runs as the postgres user when we are root
    if connection=$(bash scripts/postgres.sh start "$cluster/pg" --fast 2>"$cluster/start.err"); then
      export NEWSLETTER_TEST_POSTGRES="${connection##*$'\n'}"
      echo "PostgreSQL for the tests: $NEWSLETTER_TEST_POSTGRES"
    else
      postgres_missing="PostgreSQL did not start: $(tail -3 "$cluster/start.err")"
    fi
  else
    postgres_missing="$install_error"
  fi
fi

# Tests that exist only for PostgreSQL (trait Database=Postgres) run in the PostgreSQL pass; with your own arguments
# (a --filter) both passes run exactly what you asked for.
sqlite_filter=(--filter "Database!=Postgres")
[ $# -gt 0 ] && sqlite_filter=()

status=0
echo "=== Pass 1 of 2: SQLite"
NEWSLETTER_TEST_DATABASE=Sqlite dotnet test Newsletter.sln --logger "trx;LogFileName=sqlite.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "${sqlite_filter[@]}" "$@" || status=$?
if [ -z "$postgres_missing" ]; then
  echo "=== Pass 2 of 2: PostgreSQL"
  NEWSLETTER_TEST_DATABASE=Postgres dotnet test Newsletter.sln --no-build --logger "trx;LogFileName=postgres.trx" \
    --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?
fi

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  echo "  $(basename "$trx" .trx): ${p:-0} passed, ${f:-0} failed, $(( ${t:-0} - ${e:-0} )) skipped"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
# The failed tests by name, with the first line of their message, so a CI log cut to its last lines still says which.
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  python3 - "$trx" <<'PY' 2>/dev/null || grep -o 'testName="[^"]*"[^>]*outcome="Failed"' "$trx" | sed 's/^/  FAILED /'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
pass_name = sys.argv[1].rsplit("/", 1)[-1].removesuffix(".trx")
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if result.get("outcome") != "Failed":
        continue
    message = result.find("./t:Output/t:ErrorInfo/t:Message", ns)
    first = (message.text or "").strip().splitlines()[0][:4000] if message is not None and message.text else ""
    print(f"  FAILED ({pass_name}) {result.get('testName')}: {first}")
    # Where it failed: the stack's lines in our own test code (a timeout's message does not say which step).
    trace = result.find("./t:Output/t:ErrorInfo/t:StackTrace", ns)
    ours = [l.strip() for l in (trace.text or "").splitlines() if "/tests/" in l] if trace is not None else []
    for line in ours[:3]:
        print(f"      {line[:300]}")
PY
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test exited with $status (build or run error)"; fi
if [ -n "$postgres_missing" ]; then
  echo "PostgreSQL pass NOT RUN: $postgres_missing"
  echo "Only the SQLite pass ran; the missing PostgreSQL pass is counted as 1 failed."
  failed=$((failed + 1)); status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
