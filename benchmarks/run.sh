#!/usr/bin/env bash
# Runs microkit against the raw clients and prints one RATIO line per comparison:
#   RATIO <name> <microkit ops/s> <raw ops/s> <ratio>   (medians of interleaved rounds)
#
#   benchmarks/run.sh publish      publish-classic, publish-quorum
#   benchmarks/run.sh consume      consume-classic, consume-pubsub-classic
#   benchmarks/run.sh verify       verify-<alg>-<threads>t, verify-cached-<alg>-<threads>t
#   benchmarks/run.sh durable      on PostgreSQL: RATIO inbox-consume, RATIO outbox-relay,
#                                  DURABLE end-to-end <orders/s>, DURABLE pgbench <tps>, DURABLE pgbench-order <tps>
#   benchmarks/run.sh              everything
#
# ROUNDS (default 3), WARMUP_SECONDS (5; 10 for consume), WARMUP_ITERATIONS (1; 2 for consume), MEASURE_SECONDS (5)
# and ITERATIONS (2) tune the run.
# consume: CONSUME_FILL_RATE (30000) messages per second of iteration fill a drain's queue (at least 200,000); a
# drain that empties it fails and says so: raise it on a machine that drains faster.
# RABBITMQ_URI picks the broker (default: the local one, started or installed as ./test.sh does).
# durable: DATABASE_URL / DATABASE_USERNAME / DATABASE_PASSWORD pick the PostgreSQL server (default: the local one,
# started or installed as ./test.sh does); the run creates a database of its own and drops it. CONCURRENCY (8),
# PREFETCH (250), INBOX_BATCH (100; 1 = one inbox transaction per message), OUTBOX_ROWS (30000), E2E_ORDERS (30000),
# E2E_CLIENTS (8): see DurableRunner.
set -euo pipefail
cd "$(dirname "$0")/.."

filter=${1:-}
bash scripts/ensure-rabbitmq.sh
if [ -z "$filter" ] || [ "$filter" = durable ]; then
  bash scripts/ensure-postgres.sh
fi
# a run that was killed leaves its queue behind, full (a consume fill is 200,000 messages and more): the broker then
# measures slower for everyone, so delete bench-* queues that nobody consumes from (local broker only)
if [ -z "${RABBITMQ_URI:-}" ]; then
  curl -sf -u guest:guest 'http://127.0.0.1:15672/api/queues/%2F?columns=name,consumers' | tr '}' '\n' \
    | sed -n 's/.*"consumers":0,"name":"\(bench-[^"]*\)".*/\1/p' | while read -r queue; do
      echo "# deleting queue $queue, left over by an earlier run"
      curl -sf -o /dev/null -u guest:guest -X DELETE "http://127.0.0.1:15672/api/queues/%2F/$queue" || true
    done || true
fi
./mvnw -B -q -ntp package -pl benchmarks -am -DskipTests
java_cmd=(java -Xms1g -Xmx1g ${JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar)
echo "# uptime: $(uptime)"
if [ "$filter" = durable ]; then
  "${java_cmd[@]}" io.github.microkit.benchmarks.DurableRunner
else
  "${java_cmd[@]}" io.github.microkit.benchmarks.RatioRunner "$filter"
  if [ -z "$filter" ]; then
    "${java_cmd[@]}" io.github.microkit.benchmarks.DurableRunner
  fi
fi
echo "# uptime: $(uptime)"
