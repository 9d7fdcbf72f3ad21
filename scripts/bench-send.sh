#!/usr/bin/env bash
# Send benchmark (not a test): one digest through the real engine (planning, fan-out, Hangfire batch jobs, rendering,
# MailKit SMTP, the SQLite ledger) into postfix's smtp-sink on 127.0.0.1, then, in the same run, smtp-source pushing
# the same number of messages of the same size over the same number of sessions into the same sink: the machine's limit.
# Then the fault run (scripts/FaultBench): BENCH_FAULT_READERS (default 100000; 0 skips it) readers through the real Host
# into a server that defers 1% once (451), refuses 0.5% (550 5.1.1) and says "421 ... closing" after every 400th
# message, with one SIGKILL of the Host mid-send: it prints lost, duplicates and unknown against their bound.
# Usage: [BENCH_ROUNDS=3] [BENCH_TIMELINE=1: the memory every second] scripts/bench-send.sh [SUBSCRIBERS (default 100000; 1000000 for the big run)] [CONNECTIONS (default 8)]
set -euo pipefail
cd "$(dirname "$0")/.."
subscribers="${1:-100000}"
connections="${2:-8}"
workers="${BENCH_WORKERS:-4}"
port="${BENCH_PORT:-2525}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v smtp-sink >/dev/null && [ ! -x /usr/sbin/smtp-sink ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "Please install postfix (apt-get install -y postfix) for smtp-sink and smtp-source."; exit 1; fi
  apt-get update -qq
  # Only its tools are used; the postfix daemon is not started.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
PATH="$PATH:/usr/sbin"

dotnet build scripts/bench/Newsletter.Bench.csproj -c Release -v quiet -nologo >/dev/null

sink_log=$(mktemp)
smtp-sink -u postfix -c "127.0.0.1:$port" 1000 >"$sink_log" 2>&1 &
sink_pid=$!
trap 'kill "$sink_pid" 2>/dev/null || true; rm -f "$sink_log"' EXIT
sleep 1

# The machine's limit: smtp-source, same sink, size and sessions, just before the engine and again just after; the
# faster of the two is the limit (a VM's neighbours can halve either one), and both are printed.
source_messages="${BENCH_SOURCE_MESSAGES:-100000}"
[ "$subscribers" -lt "$source_messages" ] && source_messages="$subscribers"
size=16901 # the engine's copy size today; the engine run prints its own, and a difference is said below
smtp_source_rate() {
  local start end
  start=$(date +%s.%N)
  smtp-source -s "$connections" -l "$size" -m "$source_messages" -f news@bench.example -t reader@bench.example "127.0.0.1:$port"
  end=$(date +%s.%N)
  awk -v n="$source_messages" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }'
}
# Rounds (BENCH_ROUNDS, default 3): smtp-source, the engine, smtp-source again, and so on; each engine run is held to
# the faster smtp-source run beside it (before or after: a VM's neighbours can halve either one), and the median of the
# rounds' ratios is the verdict: one round on a VM moved from 0.66 to 0.94 with the same build.
rounds="${BENCH_ROUNDS:-3}"
echo "== smtp-source before the engine: $source_messages messages of $size bytes over $connections sessions"
source_before=$(smtp_source_rate)
ratios=()
peak_rss=0
for round in $(seq 1 "$rounds"); do
  echo "== Engine, round $round of $rounds: $subscribers subscribers, $connections SMTP connections, $workers Hangfire workers"
  out=$(mktemp)
  /usr/bin/env time -f "TIME peak_rss_kb=%M wall=%e" dotnet scripts/bench/bin/Release/net10.0/Newsletter.Bench.dll \
    --subscribers "$subscribers" --connections "$connections" --workers "$workers" --smtp-port "$port" 2>&1 | tee "$out" | grep -E "RESULT|TIME|rror" || true
  sent=$(sed -n 's/.*RESULT sent=\([0-9]*\) .*/\1/p' "$out")
  engine_rate=$(sed -n 's/.* messages_per_second=\([0-9]*\) .*/\1/p' "$out")
  size=$(sed -n 's/.* message_bytes=\([0-9]*\) .*/\1/p' "$out")
  total=$(sed -n 's/.* total_seconds=\([0-9.]*\) .*/\1/p' "$out")
  rss=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' "$out")
  cpu_per_copy=$(sed -n 's/.* send_cpu_us_per_copy=\([0-9]*\).*/\1/p' "$out")
  allocated_per_copy=$(sed -n 's/.* send_allocated_bytes_per_copy=\([0-9]*\).*/\1/p' "$out")
  rm -f "$out"
  [ -n "$sent" ] || { echo "The engine run failed."; exit 1; }
  [ "$size" = 16901 ] || echo "Note: the engine's copies are $size bytes, smtp-source sends 16901."
  echo "== smtp-source after round $round"
  source_after=$(smtp_source_rate)
  source_rate=$(( source_before > source_after ? source_before : source_after ))
  ratio=$(awk -v a="$engine_rate" -v b="$source_rate" 'BEGIN { printf "%.2f", a / b }')
  ratios+=("$ratio")
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss

  echo
  echo "round $round of $rounds"
  echo "messages:            $sent (of $size bytes)"
  echo "engine total time:   ${total}s (planning, fan-out, batches, rendering, SMTP, ledger)"
  echo "engine messages/s:   $engine_rate"
  echo "engine peak RSS:     $((rss / 1024)) MiB"
  echo "engine CPU per copy: ${cpu_per_copy} µs (user + system, Send now to Sent, the whole process)"
  echo "allocated per copy:  ${allocated_per_copy} bytes (managed, Send now to Sent, the whole process)"
  echo "smtp-source msg/s:   $source_rate (same sink, size, sessions: the machine's limit; before $source_before, after $source_after, the faster taken)"
  echo "engine / smtp-source: $ratio"
  echo "load average:        $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  echo
  source_before=$source_after
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { print (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }')
echo "engine / smtp-source by round: ${ratios[*]}; median $median (goal 0.8)"
echo "engine peak RSS, highest of the rounds: $((peak_rss / 1024)) MiB (goal 200 MiB at 1,000,000 readers)"

fault_readers="${BENCH_FAULT_READERS:-100000}"
if [ "$fault_readers" -gt 0 ]; then
  echo
  echo "== Fault run: $fault_readers readers, $connections connections; 451 once for 1%, 550 for 0.5%, 421 and hang-up every 400th, one SIGKILL"
  dotnet build src/Newsletter.Host/Newsletter.Host.csproj -c Release -v quiet -nologo >/dev/null
  dotnet build scripts/FaultBench/FaultBench.csproj -c Release -v quiet -nologo >/dev/null
  dotnet scripts/FaultBench/bin/Release/net10.0/FaultBench.dll --readers "$fault_readers" --connections "$connections" \
    --host src/Newsletter.Host/bin/Release/net10.0/Newsletter.Host.dll | grep -E "RESULT|rror"
  echo "load average:        $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
fi
