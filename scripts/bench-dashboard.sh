#!/usr/bin/env bash
# Times the dashboard's subscriber queries (search, filters, keyset pages, overview) on SQLite with ROWS subscribers
# (default 1,000,000), beside a primary-key lookup and an unindexed full scan measured in the same run.
# Usage: scripts/bench-dashboard.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release scripts/bench-dashboard.cs -- "${1:-1000000}"
