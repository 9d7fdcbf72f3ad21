#!/usr/bin/env bash
# Adds a migration with the same name to every provider's migration project (SQLite, SQL Server, PostgreSQL).
# Usage: scripts/add-migration.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/add-migration.sh NAME}"
dotnet tool restore >/dev/null
for provider in Sqlite SqlServer Postgres; do
  dotnet ef migrations add "$name" --project "src/Newsletter.Migrations.$provider" --output-dir Migrations
done
