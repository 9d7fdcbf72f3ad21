#!/usr/bin/env bash
# Benchmark: import N subscribers (default 1,000,000) from a generated CSV into a fresh SQLite database through the
# real import code (the host's import-subscribers verb), and print rows/s and peak memory. Not a test.
# Usage: scripts/bench-import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
work="$(mktemp -d /tmp/newsletter-bench-import.XXXXXX)"
trap 'rm -rf "$work"' EXIT
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
echo "CSV: $(du -h "$csv" | cut -f1)"

dotnet build -c Release src/Newsletter.Host -v quiet -nologo >/dev/null
host="src/Newsletter.Host/bin/Release/net10.0/Newsletter.Host.dll"
export DataDirectory="$work/data" Logging__LogLevel__Default=Warning
dotnet "$host" migrate >/dev/null

measure() { # prints elapsed seconds and peak RSS (KiB) of the import
  /usr/bin/time -f "%e %M" -o "$work/time" dotnet "$host" import-subscribers "$1" 2>/dev/null | tail -1 >&2
  cat "$work/time"
}
read -r seconds peak_kib < <(measure "$csv")
rate=$(awk -v n="$rows" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
echo "rows: $rows  time: ${seconds}s  rate: ${rate} rows/s  peak RSS: $((peak_kib / 1024)) MiB"

# The machine's limit for this schema, in the same run: the same rows inserted by SQLite's C library directly
# (Python's sqlite3, executemany, 5,000-row transactions, WAL, synchronous=NORMAL, the same 32 MiB page cache as the
# service) into a table with the same indexes.
python3 - "$work/data/newsletter.db" "$rows" <<'PY'
import sqlite3, sys, time, uuid
source, n = sys.argv[1], int(sys.argv[2])
raw = sqlite3.connect(source + ".raw")
raw.execute("pragma journal_mode=wal"); raw.execute("pragma synchronous=normal"); raw.execute("pragma cache_size=-32768")
for (sql,) in sqlite3.connect(source).execute("select sql from sqlite_master where tbl_name='Subscribers' and sql is not null"):
    raw.execute(sql)
insert = ("insert into Subscribers (PublicId,Email,EmailKey,Name,Frequency,Topics,Status,CreatedAt,UpdatedAt,ConfirmedAt,"
          "UnsubscribedAt,ConsentAt,ConsentSource) values (?,?,?,?,?,?,?,?,?,?,?,?,?)")
started = time.time()
for start in range(0, n, 5000):
    batch = [(str(uuid.uuid4()).upper(), f"reader{i}@example{i % 97}.org", f"reader{i}@example{i % 97}.org", f"Reader {i}", 1, "", 1,
              "2024-01-01 08:00:00", "2026-01-01 00:00:00", "2024-01-01 08:00:00", None, "2024-01-01 08:00:00", "import")
             for i in range(start, min(n, start + 5000))]
    raw.executemany(insert, batch); raw.commit()
elapsed = time.time() - started
print(f"machine limit (raw SQLite inserts, same indexes): {n / elapsed:.0f} rows/s")
PY

# Memory must not grow with the file: import a tenth of the rows into a fresh database and compare peaks.
small=$((rows / 10))
head -n $((small + 1)) "$csv" > "$work/small.csv"
rm -rf "$work/data"; dotnet "$host" migrate >/dev/null
read -r small_seconds small_peak_kib < <(measure "$work/small.csv")
echo "rows: $small  time: ${small_seconds}s  peak RSS: $((small_peak_kib / 1024)) MiB  (memory ratio ${rows}/${small} rows: $(awk -v a="$peak_kib" -v b="$small_peak_kib" 'BEGIN { printf "%.2f", a / b }'))"
