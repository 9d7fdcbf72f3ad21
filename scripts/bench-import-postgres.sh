#!/usr/bin/env bash
# Benchmark: import N subscribers (default 1,000,000) from a generated CSV into a fresh PostgreSQL database through the
# real import code (the host's import-subscribers verb: CSV parsing, validation, batches of 5,000, binary COPY), beside
# PostgreSQL's own COPY of the same file as the machine's limit. Prints rows/s, the ratio, peak memory for the whole
# file and for a tenth of it (memory must not grow with the file), and uptime. Not a test.
# Usage: scripts/bench-import-postgres.sh [ROWS]
# The cluster is a throwaway one (scripts/postgres.sh) with PostgreSQL's default durability (fsync on).
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
work="$(mktemp -d /tmp/newsletter-bench-pg.XXXXXX)"
chmod 0755 "$work" # the cluster runs as the postgres user when we are root
trap 'bash scripts/postgres.sh stop "$work/pg"; rm -rf "$work"' EXIT
csv="$work/subscribers.csv"

echo "Generating $rows rows..."
awk -v n="$rows" 'BEGIN {
  print "email,name,frequency,status,subscribed_at";
  for (i = 1; i <= n; i++) {
    f = (i % 3 == 0) ? "daily" : "weekly";
    s = (i % 50 == 0) ? "unsubscribed" : "confirmed";
    printf "reader%d@example%d.org,Reader %d,%s,%s,2024-%02d-%02dT08:00:00Z\n", i, i % 97, i, f, s, (i % 12) + 1, (i % 28) + 1;
  }
}' > "$csv"
chmod 0644 "$csv"
echo "CSV: $(du -h "$csv" | cut -f1)"

bash scripts/postgres.sh install
admin=$(bash scripts/postgres.sh start "$work/pg" | tail -1)
port=$(cat "$work/pg/port")
psql_db() { psql -X -q -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=postgres dbname=$1" "${@:2}"; }

dotnet build -c Release src/Newsletter.Host -v quiet -nologo >/dev/null
host="src/Newsletter.Host/bin/Release/net10.0/Newsletter.Host.dll"
export DataDirectory="$work/data" Logging__LogLevel__Default=Warning Database__Provider=Postgres Database__MigrateOnStart=false \
  Site__PostalAddress="1 Bench Street" Security__SigningKey="$(head -c 32 /dev/urandom | base64)"

fresh_database() { # creates database $1 with our schema (the migrate verb)
  psql_db postgres -c "CREATE DATABASE \"$1\""
  Database__ConnectionString="${admin/Database=postgres/Database=$1}" dotnet "$host" migrate >/dev/null
}

measure() { # imports file $2 into database $1; prints elapsed seconds and peak RSS (KiB)
  Database__ConnectionString="${admin/Database=postgres/Database=$1}" \
    /usr/bin/time -f "%e %M" -o "$work/time" dotnet "$host" import-subscribers "$2" 2>/dev/null | tail -1 >&2
  cat "$work/time"
}

fresh_database ours
read -r seconds peak_kib < <(measure ours "$csv")
stored=$(psql_db ours -At -c 'SELECT count(*) FROM "Subscribers"')
rate=$(awk -v n="$rows" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
echo "ours: rows: $rows (stored $stored)  time: ${seconds}s  rate: ${rate} rows/s  peak RSS: $((peak_kib / 1024)) MiB"

# The limit, in the same run: PostgreSQL's own COPY of the same file (psql's \copy, one transaction) into a staging
# table, then one INSERT ... SELECT into a freshly migrated "Subscribers" with the same indexes; and the bare COPY alone.
fresh_database limit
started=$(date +%s.%N)
psql_db limit <<SQL
CREATE UNLOGGED TABLE staging (email text, name text, frequency text, status text, subscribed_at text);
\copy staging FROM '$csv' WITH (FORMAT csv, HEADER true)
SQL
copied=$(date +%s.%N)
psql_db limit <<'SQL'
INSERT INTO "Subscribers" ("PublicId", "Email", "EmailKey", "Name", "Frequency", "Topics", "Status", "CreatedAt", "UpdatedAt",
                           "ConfirmedAt", "UnsubscribedAt", "ConsentAt", "ConsentSource")
SELECT gen_random_uuid(), email, lower(email), name, CASE frequency WHEN 'daily' THEN 0 ELSE 1 END, '',
       CASE status WHEN 'unsubscribed' THEN 2 ELSE 1 END, subscribed_at::timestamptz, now(),
       CASE status WHEN 'unsubscribed' THEN NULL ELSE subscribed_at::timestamptz END,
       CASE status WHEN 'unsubscribed' THEN now() END, subscribed_at::timestamptz, 'import'
FROM staging;
SQL
finished=$(date +%s.%N)
awk -v n="$rows" -v a="$started" -v b="$copied" -v c="$finished" -v ours="$rate" 'BEGIN {
  copy = n / (b - a); full = n / (c - a);
  printf "limit: PostgreSQL COPY of the file alone: %.0f rows/s (%.1fs); COPY + INSERT ... SELECT into the same schema: %.0f rows/s (%.1fs)\n", copy, b - a, full, c - a;
  printf "ratio: ours / (COPY + INSERT ... SELECT) = %.2f; ours / bare COPY = %.2f\n", ours / full, ours / copy;
}'

# Memory must not grow with the file: a tenth of the rows into another fresh database, and the peaks compared.
small=$((rows / 10))
head -n $((small + 1)) "$csv" > "$work/small.csv"
chmod 0644 "$work/small.csv"
fresh_database tenth
read -r small_seconds small_peak_kib < <(measure tenth "$work/small.csv")
echo "ours: rows: $small  time: ${small_seconds}s  peak RSS: $((small_peak_kib / 1024)) MiB  (memory ratio ${rows}/${small} rows: $(awk -v a="$peak_kib" -v b="$small_peak_kib" 'BEGIN { printf "%.2f", a / b }'))"
echo "uptime: $(uptime)"
