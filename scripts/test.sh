#!/usr/bin/env bash
# Runs every test (unit, integration on real SQLite and SMTP, browser) and prints "N passed, N failed, N skipped".
# Works on a fresh machine with only the .NET SDK; browser tests install Chromium with apt when run as root.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="artifacts/test-results"
rm -rf "$results"
# Chromium for the browser tests: installed with apt when missing (as root); otherwise those tests fail saying what to install.
bash scripts/ci-deps.sh || echo "Could not install the test machine's packages; the browser tests will say what is missing."
dotnet test Newsletter.sln --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test exited with $status (build or run error)"; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
