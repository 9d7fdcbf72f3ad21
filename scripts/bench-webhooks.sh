#!/usr/bin/env bash
# Benchmark of POST /webhooks/stripe (not a test): starts the host in Release on 127.0.0.1 with a temporary data
# directory and a webhook secret, sends signed checkout.session.completed events from a separate process
# (scripts/WebhookLoad) with concurrency, and prints verified events/s with p50/p99 latency. In the same run it sends
# the same load to /healthz, the machine-limit reference, so the ratio can be quoted.
# Usage: scripts/bench-webhooks.sh [requests=20000] [concurrency=32]
# The job server applies the events in the same process meanwhile (BENCH_WORKERS sets its worker count, default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
requests="${1:-20000}"
concurrency="${2:-32}"
port="${BENCH_PORT:-5099}"
secret="whsec_bench_$(date +%s)"
data="$(mktemp -d /tmp/newsletter-bench.XXXXXX)"

dotnet build -c Release -v q src/Newsletter.Host >/dev/null
dotnet build -c Release -v q scripts/WebhookLoad >/dev/null

export DataDirectory="$data" Stripe__SecretKey="sk_test_bench" Stripe__WebhookSecret="$secret" \
  Logging__LogLevel__Default="Warning" ASPNETCORE_ENVIRONMENT="Production" \
  Email__Transport="Pickup" Site__BaseUrl="http://127.0.0.1:$port" Jobs__WorkerCount="${BENCH_WORKERS:-4}"
ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet run -c Release --no-build --no-launch-profile --project src/Newsletter.Host >"$data/host.log" 2>&1 &
host=$!
cleanup() { kill "$host" 2>/dev/null || true; wait "$host" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$host" 2>/dev/null || { echo "The host stopped:"; cat "$data/host.log"; exit 1; }
  sleep 0.5
done

load() { dotnet scripts/WebhookLoad/bin/Release/net10.0/WebhookLoad.dll --base "http://127.0.0.1:$port" --secret "$secret" \
  --requests "$requests" --concurrency "$concurrency" "$@"; }
echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ${BENCH_WORKERS:-4} job workers; $requests requests per run, concurrency $concurrency =="
webhooks=$(load --target /webhooks/stripe --label webhooks | tee /dev/stderr | awk '/^RESULT/ {print $3}')
reference=$(load --target /healthz --label healthz | tee /dev/stderr | awk '/^RESULT/ {print $3}')
echo "webhooks / healthz throughput: $(awk -v a="$webhooks" -v b="$reference" 'BEGIN { printf "%.2f", a / b }')"

stored=$(sqlite3 "$data/newsletter.db" "select count(*), sum(State in (2,3)) from StripeWebhookEvents" 2>/dev/null || echo "(sqlite3 not installed)")
echo "stored events, applied by the jobs so far: $stored"
