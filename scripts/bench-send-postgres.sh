#!/usr/bin/env bash
# Send benchmark on PostgreSQL (not a test): how sending scales with worker processes on this machine. For each worker
# count (default 1 2 3): a fresh database holding READERS confirmed readers (imported once with the host's
# import-subscribers verb, then copied per run with CREATE DATABASE ... TEMPLATE), one web process (Roles=web) and N
# worker processes (Roles=worker) of the built Release Host on that database with Hangfire on PostgreSQL, ten articles
# pushed through the API, and Send now through the staff API. The digests go into postfix's smtp-sink on 127.0.0.1;
# the run waits until no delivery row is Pending or Sending and the issue is Sent. It prints, per run:
#   - msg/s of the send phase, from the ledger's own timestamps: the first claim (just before the first message goes)
#     to the last recorded acceptance (rows are recorded a window of ClaimWindow at a time); and the rate from the
#     Send now request (fan-out included);
#   - smtp-source pushing the same number of messages (at most BENCH_SOURCE_MESSAGES) of the same size over the same
#     number of sessions (connections x workers) into the same sink, right after: the machine's limit in this run;
#   - peak RSS (VmHWM) of every host process (sum and max), the 1-minute load average at the end, and where the CPU
#     went from Send now until done: CPU seconds of the hosts, of PostgreSQL's processes and of the sink, their sum as
#     cores used (2.0 on this machine means the run had every core), and how busy the machine was (/proc/stat,
#     everyone's processes: on a shared machine the difference is other people's work);
#   - how many batch jobs each worker process ran and for how long (Hangfire's states), so an idle worker shows.
# It ends with a Markdown table. The cluster is a throwaway one (scripts/postgres.sh) with PostgreSQL's default
# durability (fsync on): it measures what production would do. The message size is that of a test copy of the same
# issue (POST /api/admin/digests/{id}/test, "[Test] " in the subject and no reader's name: within a few bytes of a
# reader's copy), which the web process sends to a second smtp-sink that keeps it.
#
# Usage: scripts/bench-send-postgres.sh [WORKER_COUNTS...]        e.g. scripts/bench-send-postgres.sh 1 2 3
# Environment: READERS (100000), CONNECTIONS (Digests:Connections, SMTP connections per worker process; default the
# product's), JOB_THREADS (Jobs:WorkerCount per worker process; default the product's), BENCH_SOURCE_MESSAGES (100000),
# KEEP=1 keeps the work folder (logs, cluster) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2 3)
readers="${READERS:-100000}"
source_limit="${BENCH_SOURCE_MESSAGES:-100000}"
api_key="bench-send-postgres-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for n in "${counts[@]}"; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "Worker counts are positive integers, not '$n'." >&2; exit 2; }; done

if ! command -v smtp-sink >/dev/null && [ ! -x /usr/sbin/smtp-sink ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "Please install postfix (apt-get install -y postfix) for smtp-sink and smtp-source."; exit 1; fi
  apt-get update -qq
  # Only its tools are used; the postfix daemon is not started.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
PATH="$PATH:/usr/sbin"
bash scripts/postgres.sh install

work="$(mktemp -d /tmp/newsletter-bench-send-pg.XXXXXX)"
chmod 0755 "$work" # the cluster (and the sink) run as other users when we are root
pids=() # every process this script started, stopped by the trap
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then # say how each host ended: one killed from outside has a log that just stops
    for log in "$work"/web-*.log "$work"/worker-*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -5 "$log" >&2; }; done
  fi
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  bash scripts/postgres.sh stop "$work/pg"
  if [ "${KEEP:-0}" = 1 ]; then echo "Kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { # a TCP port on 127.0.0.1 nobody listens on
  local port
  while :; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
sink_user=()
[ "$(id -u)" -eq 0 ] && sink_user=(-u postfix) # smtp-sink drops root after binding

dotnet build -c Release src/Newsletter.Host -v quiet -nologo >/dev/null
host="src/Newsletter.Host/bin/Release/net10.0/Newsletter.Host.dll"
admin=$(bash scripts/postgres.sh start "$work/pg" | tail -1)
pg_port=$(cat "$work/pg/port")
psql_db() { psql -X -q -At -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$pg_port user=postgres dbname=$1" "${@:2}"; }
database() { echo "${admin/Database=postgres/Database=$1}"; }

sink_port=$(free_port)
smtp-sink "${sink_user[@]}" "127.0.0.1:$sink_port" 1000 >"$work/sink.log" 2>&1 &
sink_pid=$!; pids+=("$sink_pid"); disown
mkdir -p "$work/copies"; chmod 0777 "$work/copies"
copy_port=$(free_port)
smtp-sink "${sink_user[@]}" -d "$work/copies/copy." "127.0.0.1:$copy_port" 10 >"$work/copy-sink.log" 2>&1 &
pids+=("$!"); disown

# Every process gets the same settings (see "Running in production" in the README); only Roles, the data folder and,
# for the web process, the SMTP port differ. No schedules, no rate limit: Send now, as fast as it goes.
export Logging__LogLevel__Default=Warning Database__Provider=Postgres Jobs__Storage=Postgres Database__MigrateOnStart=false \
  Site__BaseUrl="https://news.bench.example" Site__Name="The Bench Review" Site__PostalAddress="1 Bench Street, Benchville" \
  Security__SigningKey="$(head -c 32 /dev/urandom | base64)" Security__StaffApiKey="$api_key" \
  Email__Transport=Smtp Email__FromAddress=news@bench.example Email__Smtp__Host=127.0.0.1 Email__Smtp__Security=None \
  Digests__DailyCron="" Digests__WeeklyCron=""
[ -n "${CONNECTIONS:-}" ] && export Digests__Connections="$CONNECTIONS"
[ -n "${JOB_THREADS:-}" ] && export Jobs__WorkerCount="$JOB_THREADS"
connections="${CONNECTIONS:-4}"   # the product's default (DigestOptions.Connections)
job_threads="${JOB_THREADS:-4}"   # the product's default (Jobs:WorkerCount)

echo "== $readers readers, $connections SMTP connections and $job_threads job threads per worker, worker counts: ${counts[*]}"
echo "   PostgreSQL $(psql_db postgres -c 'SHOW server_version'), fsync $(psql_db postgres -c 'SHOW fsync'); $(nproc) cores"
awk -v n="$readers" 'BEGIN { print "email,name,frequency"; for (i = 1; i <= n; i++) printf "reader%d@bench.example,Reader %d,daily\n", i, i }' > "$work/readers.csv"
chmod 0644 "$work/readers.csv"
psql_db postgres -c 'CREATE DATABASE readers'
Database__ConnectionString="$(database readers)" dotnet "$host" migrate >/dev/null
Database__ConnectionString="$(database readers)" dotnet "$host" import-subscribers "$work/readers.csv" 2>/dev/null | sed 's/^/   import: /'

start_host() { # ROLE NAME SMTP_PORT DATABASE: starts a host in the background; its pid is appended to pids
  mkdir -p "$work/$2"
  Roles="$1" DataDirectory="$work/$2" Email__Smtp__Port="$3" Database__ConnectionString="$(database "$4")" \
    dotnet "$host" --urls http://127.0.0.1:0 >"$work/$2.log" 2>&1 &
  pids+=("$!"); disown # stopped by pid below (or by the trap), without job-control chatter
}
wait_running() { # PID NAME: waits for "Newsletter is running: URL", prints the URL's root
  local line
  while ! line=$(grep -m1 '^Newsletter is running: ' "$work/$2.log" 2>/dev/null); do
    kill -0 "$1" 2>/dev/null || { echo "$2 exited while starting:" >&2; tail -20 "$work/$2.log" >&2; exit 1; }
    sleep 0.2
  done
  line=${line#Newsletter is running: }; echo "${line%%/[a-z]*}"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime + stime of a process
postgres_ticks() { # CPU of the cluster's processes (postmaster and its children), by pid
  local postmaster; postmaster=$(head -1 "$work/pg/data/postmaster.pid")
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do echo "$pid $(cpu_ticks "$pid")"; done
}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat; } # total, idle
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
api() { curl -sS --fail-with-body -H "X-Api-Key: $api_key" -H 'Content-Type: application/json' "$@"; } # the staff API
table=()

run=0
for n in "${counts[@]}"; do
  run=$((run + 1)); db="send_${run}_$n" # a count may be given twice (1 2 3 1: is the first run warm-up?)
  echo
  echo "== $n worker process(es): $((connections * n)) SMTP sessions in all"
  psql_db postgres -c "CREATE DATABASE $db TEMPLATE readers"
  start_host web "web-$run" "$copy_port" "$db"; web_pid=${pids[-1]}
  web_url=$(wait_running "$web_pid" "web-$run")
  worker_pids=()
  for i in $(seq 1 "$n"); do start_host worker "worker-$run-$i" "$sink_port" "$db"; worker_pids+=("${pids[-1]}"); done
  for i in $(seq 1 "$n"); do wait_running "${worker_pids[$((i - 1))]}" "worker-$run-$i" >/dev/null; done

  paragraph=$(printf '<p>A paragraph of a cultural review, long enough to look like the real thing in a digest. </p>%.0s' 1 2 3)
  for i in $(seq 1 10); do
    published=$(date -u -d "-$i minutes" +%Y-%m-%dT%H:%M:%SZ)
    api -X PUT "$web_url/api/articles/bench-$i" -o /dev/null -d "{\"title\":\"Article number $i: a title of ordinary length\",
      \"link\":\"https://blog.bench.example/posts/$i\",\"author\":\"Jane Roe\",\"publishedAt\":\"$published\",\"summary\":\"$paragraph\",
      \"categories\":[\"books\"],\"imageUrl\":\"https://blog.bench.example/img/$i.jpg\"}"
  done

  read -r machine_before idle_before < <(machine_ticks)
  postgres_ticks > "$work/pg-ticks-before"
  sink_before=$(cpu_ticks "$sink_pid")
  hosts_before=0
  for pid in "$web_pid" "${worker_pids[@]}"; do hosts_before=$(( hosts_before + $(cpu_ticks "$pid") )); done
  requested=$(date +%s.%N)
  issue=$(api -X POST "$web_url/api/admin/digests/send-now" -d '{"frequency":"daily"}' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  [ -n "$issue" ] || { echo "Send now did not start an issue." >&2; exit 1; }
  last_final=-1; still_since=$(date +%s)
  while :; do
    IFS='|' read -r state open final < <(psql_db "$db" -c "SELECT i.\"State\",
        (SELECT count(*) FROM \"Deliveries\" d WHERE d.\"IssueId\" = i.\"Id\" AND d.\"State\" IN (0, 1)),
        (SELECT count(*) FROM \"Deliveries\" d WHERE d.\"IssueId\" = i.\"Id\" AND d.\"State\" NOT IN (0, 1))
      FROM \"DigestIssues\" i WHERE i.\"Id\" = $issue")
    [ "$state" = 2 ] && [ "$open" = 0 ] && break
    if [ "$final" != "$last_final" ]; then last_final=$final; still_since=$(date +%s); fi
    if [ $(( $(date +%s) - still_since )) -gt 180 ]; then
      echo "No delivery became final for 3 minutes (issue state $state, $open open, $final final); the workers' logs:" >&2
      for i in $(seq 1 "$n"); do tail -5 "$work/worker-$run-$i.log" >&2; done
      exit 1
    fi
    sleep 1
  done
  read -r machine_after idle_after < <(machine_ticks)
  done_at=$(date +%s.%N)
  load=$(cut -d' ' -f1 /proc/loadavg)
  sink_after=$(cpu_ticks "$sink_pid")
  hosts_ticks=$((-hosts_before)); rss_sum=0; rss_max=0; rss_each=()
  for pid in "$web_pid" "${worker_pids[@]}"; do
    hosts_ticks=$(( hosts_ticks + $(cpu_ticks "$pid") ))
    rss=$(peak_rss_kib "$pid"); rss_each+=("$((rss / 1024))")
    rss_sum=$((rss_sum + rss)); [ "$rss" -gt "$rss_max" ] && rss_max=$rss
  done
  pg_ticks=$(postgres_ticks | awk 'NR == FNR { before[$1] = $2; next } { sum += $2 - before[$1] } END { print sum + 0 }' "$work/pg-ticks-before" -)

  IFS='|' read -r sent failed unknown skipped send_seconds total_seconds < <(psql_db "$db" -c "SELECT
      count(*) FILTER (WHERE \"State\" = 2), count(*) FILTER (WHERE \"State\" = 3), count(*) FILTER (WHERE \"State\" = 4),
      count(*) FILTER (WHERE \"State\" = 5),
      extract(epoch FROM max(\"SentAt\") FILTER (WHERE \"State\" = 2) - min(\"ClaimedAt\") FILTER (WHERE \"State\" = 2)),
      extract(epoch FROM max(\"SentAt\") FILTER (WHERE \"State\" = 2)) - $requested
    FROM \"Deliveries\" WHERE \"IssueId\" = $issue")
  [ "$sent" -gt 0 ] || { echo "Issue $issue sent nothing (failed $failed, unknown $unknown, skipped $skipped)." >&2; exit 1; }
  # Which worker process ran each batch job (Hangfire's Processing state names the server: host:pid:guid), and for
  # how long (the Succeeded state's PerformanceDuration, ms): a worker with few job-seconds sat idle.
  jobs_per_worker=$(psql_db "$db" -c "SELECT split_part(p.data::jsonb ->> 'ServerId', ':', 2), count(*),
        round(coalesce(sum((s.data::jsonb ->> 'PerformanceDuration')::numeric), 0) / 1000, 1)
      FROM hangfire.job j JOIN hangfire.state p ON p.jobid = j.id AND p.name = 'Processing'
      LEFT JOIN hangfire.state s ON s.jobid = j.id AND s.name = 'Succeeded'
      WHERE j.invocationdata::text LIKE '%DigestBatchJob%' GROUP BY 1")
  ran=()
  for i in $(seq 1 "$n"); do
    pid=${worker_pids[$((i - 1))]}
    jobs=$(awk -F'|' -v p="$pid" '$1 == p { printf "%s (%ss)", $2, $3 }' <<<"$jobs_per_worker")
    ran+=("${jobs:-0 (0s)}")
  done

  # A test copy of the same issue to the second sink: the size of a message (the sink keeps LF line ends).
  api -X POST "$web_url/api/admin/digests/$issue/test" -o /dev/null -d '{"email":"size@bench.example"}'
  copy=$(ls -t "$work/copies"/copy.* | head -1)
  size=$(LC_ALL=C awk 'body { bytes += length($0) + 1; next } /^Received: / { skip = 2; next } skip > 0 { skip--; if (skip == 0) body = 1 }
                       END { print bytes - 1 }' "$copy")
  rm -f "$work/copies"/copy.*
  for pid in "$web_pid" "${worker_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$web_pid" "${worker_pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done

  messages=$(( sent < source_limit ? sent : source_limit ))
  sessions=$((connections * n))
  started=$(date +%s.%N)
  smtp-source -s "$sessions" -l "$size" -m "$messages" -f news@bench.example -t reader@bench.example "127.0.0.1:$sink_port"
  finished=$(date +%s.%N)

  row=$(awk -v sent="$sent" -v send="$send_seconds" -v total="$total_seconds" -v m="$messages" -v a="$started" -v b="$finished" \
            -v busy_total="$((machine_after - machine_before))" -v idle="$((idle_after - idle_before))" -v hz="$hz" \
            -v hosts="$hosts_ticks" -v pg="$pg_ticks" -v sink="$((sink_after - sink_before))" -v from="$requested" -v to="$done_at" 'BEGIN {
    engine = sent / send; source = m / (b - a);
    printf "%.0f %.0f %.2f %.0f %.0f %.1f %.1f %.1f %.1f %.1f %.1f %.2f", engine, source, engine / source, sent / total, 100 * (busy_total - idle) / busy_total,
           send, total, hosts / hz, pg / hz, sink / hz, b - a, (hosts + pg + sink) / hz / (to - from) }')
  read -r engine_rate source_rate ratio overall_rate busy send_s total_s hosts_cpu pg_cpu sink_cpu source_s cores_used <<<"$row"
  echo "sent $sent (failed $failed, unknown $unknown, skipped $skipped) of $size bytes"
  echo "engine:      $engine_rate msg/s in the send phase (${send_s}s, first claim to last acceptance); $overall_rate msg/s from Send now (${total_s}s, fan-out included)"
  echo "smtp-source: $source_rate msg/s ($messages messages, $sessions sessions, ${source_s}s); engine / smtp-source = $ratio"
  echo "peak RSS:    web ${rss_each[0]} MiB, workers ${rss_each[*]:1} MiB; sum $((rss_sum / 1024)) MiB, max $((rss_max / 1024)) MiB"
  echo "CPU:         from Send now until done: hosts $hosts_cpu s, PostgreSQL $pg_cpu s, smtp-sink $sink_cpu s, i.e. $cores_used of $(nproc) cores;" \
       "the machine's cores ${busy}% busy (everyone's); load average $load"
  echo "batch jobs:  per worker process, with their job-seconds: ${ran[*]}"
  table+=("| $n | $engine_rate | $source_rate | $ratio | $((rss_sum / 1024)) / $((rss_max / 1024)) MiB | $load | $cores_used | ${busy}% | $hosts_cpu / $pg_cpu / $sink_cpu | ${ran[*]} |")
done

echo
echo "$readers readers, $connections SMTP connections and $job_threads job threads per worker process, PostgreSQL with fsync on, $(nproc) cores; $(date -u +'%Y-%m-%d %H:%M UTC')"
echo
echo "| workers | engine msg/s | smtp-source msg/s | ratio | peak RSS (sum / max) | load | cores used by the run | machine busy | CPU s: hosts / PostgreSQL / sink | batch jobs (job-seconds) per worker |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${table[@]}"
