#!/usr/bin/env bash
# Measures the sample services on this machine (issue 6, "Performance"):
#   - startup to ready (/health/ready = 200) of each service, median of ROUNDS runs: plain (java -jar, the JVM's
#     defaults: G1 and a heap sized from all of this machine's memory), deployed (as the Deployments run them: the
#     Dockerfiles' -XX:+UseSerialGC -XX:MaxRAMPercentage=75 and the container's 384Mi limit as -XX:MaxRAM), and
#     deployed with an AppCDS archive (-XX:SharedArchiveFile, made by one training run); RSS right after start
#   - wrk -t2 -c32 -d20s POSTing orders with one valid token to the producer (started as deployed, with the AppCDS
#     archive), after a warm-up with the same load: requests/s, p50, p99, non-2xx; every 202 matched to a message in
#     the queue (only the producer runs during the load, so they stay there); RSS after the load
#   - the HTTP stack's floor: the same load on Javalin and Jetty with a handler that only reads the body
#     (HttpFloorServer), its requests/s and CPU per request: the least the producer's CPU per order could be
#   - RabbitMQ PerfTest 2.22.1 as the broker's own ceiling on this machine, and the producer's share of it: as the
#     issue asks (-x 1 -y 1 -s 1000 -f persistent -c 100 -q 250, quorum queue), and at wrk's concurrency (-c 32, no
#     consumer: the most the producer could reach, as it never has more than 32 messages waiting for a confirm)
#
#   benchmarks/run-samples.sh          (needs wrk: apt-get install wrk)
#
# ROUNDS (default 3); SERVICE_JVM_FLAGS (the deployed ones; "" for the JVM's defaults); DURATION (20s); WARMUP (60s
# of the same load before the measured one; 0 for none); CONNECTIONS (32); PARTS (startup,load,http,perftest: what
# to run, for profiling one of them); LOAD_JAVA_OPTS (extra JVM options of the producer under load, e.g.
# -XX:StartFlightRecording=filename=/tmp/producer.jfr,settings=profile); PRODUCER_PORT, CONSUMER_PORT, IDP_PORT,
# HTTP_FLOOR_PORT (18180, 18181, 18190, 18182). Uses the local broker (scripts/ensure-rabbitmq.sh) with its
# management API on 15672, on a virtual host of its own that is deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/demo-lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-60s}
CONNECTIONS=${CONNECTIONS:-32}
MGMT=${RABBITMQ_MANAGEMENT_URL:-http://127.0.0.1:15672}
ADMIN=${RABBITMQ_ADMIN:-guest:guest}
PRODUCER_PORT=${PRODUCER_PORT:-18180} CONSUMER_PORT=${CONSUMER_PORT:-18181} IDP_PORT=${IDP_PORT:-18190}
HTTP_FLOOR_PORT=${HTTP_FLOOR_PORT:-18182}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/microkit-bench.XXXXXX")
VHOST="microkit-bench-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
command -v wrk >/dev/null || fail "wrk is missing: apt-get install wrk"

cleanup() {
  stop_all
  curl -s -o /dev/null -u "$ADMIN" -X DELETE "$MGMT/api/vhosts/$VHOST" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -f sample-producer/target/sample-producer.jar ] && [ -f sample-consumer/target/idp.classpath ] \
  || ./mvnw -B -q -DskipTests -pl sample-producer,sample-consumer -am package
bash scripts/ensure-rabbitmq.sh
for p in $PRODUCER_PORT $CONSUMER_PORT $IDP_PORT $HTTP_FLOOR_PORT; do require_free_port "$p" benchmark; done
curl -sf -u "$ADMIN" -X PUT "$MGMT/api/vhosts/$VHOST" >/dev/null
curl -sf -u "$ADMIN" -X PUT -H 'content-type: application/json' "$MGMT/api/permissions/$VHOST/${ADMIN%%:*}" \
  -d '{"configure":".*","write":".*","read":".*"}' >/dev/null

ISSUER="http://127.0.0.1:$IDP_PORT/default"
start idp "$WORK/idp.log" env SERVER_PORT=$IDP_PORT SERVER_HOSTNAME=127.0.0.1 \
  JSON_CONFIG='{"interactiveLogin":false,"httpServer":"NettyWrapper","tokenCallbacks":[{"issuerId":"default","tokenExpiry":3600,"requestMappings":[{"requestParam":"client_id","match":"bench","claims":{"sub":"bench","aud":["orders-api"],"scope":"orders:write"}}]}]}' \
  java -cp "$(cat sample-consumer/target/idp.classpath)" no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt
IDP_PID=$LAST_PID
wait_http "$ISSUER/.well-known/openid-configuration" 60 "the identity provider" "$WORK/idp.log" "$IDP_PID"
ENV=(JWT_ISSUER="$ISSUER" RABBITMQ_URI="amqp://${ADMIN}@127.0.0.1:5672/$VHOST")

# readiness is polled every 50 ms while starting a service: at the demo's 0.3 s the poll alone added up to 0.3 s
WAIT_HTTP_POLL=0.05
rss_mb() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run_once SERVICE PORT JAVA_OPTS: starts the service, prints "<ms to ready> <RSS MB>", leaves it running as $SVC_PID
run_once() {
  local service=$1 port=$2 opts=$3 t0
  t0=$(now_ms)
  # shellcheck disable=SC2086
  start "$service" "$WORK/$service.log" env "${ENV[@]}" HTTP_PORT="$port" java $opts -jar "sample-$service/target/sample-$service.jar" >/dev/null
  SVC_PID=$LAST_PID
  wait_http "http://127.0.0.1:$port/health/ready" 90 "$service" "$WORK/$service.log" "$SVC_PID"
  echo "$(( $(now_ms) - t0 )) $(rss_mb "$SVC_PID")"
}
stop_service() { kill -TERM "$SVC_PID"; wait "$SVC_PID" 2>/dev/null || true; }

PARTS=${PARTS:-startup,load,http,perftest}
# the services as their Deployments run them: the Dockerfiles' JVM options, and the container's memory limit
# (384Mi, manifests/base/*/deployment.yaml) as the memory the JVM sizes its heap from
SERVICE_JVM_FLAGS=${SERVICE_JVM_FLAGS--XX:+UseSerialGC -XX:MaxRAMPercentage=75 -XX:MaxRAM=384m}
runs() { [[ ",$PARTS," == *",$1,"* ]]; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
for service in consumer producer; do
  runs startup || break
  port=$([ $service = producer ] && echo $PRODUCER_PORT || echo $CONSUMER_PORT)
  # one training run writes the class-data archive at exit
  run_once $service $port "$SERVICE_JVM_FLAGS -XX:ArchiveClassesAtExit=$WORK/$service.jsa" >/dev/null; stop_service
  for variant in plain deployed deployed+appcds; do
    case $variant in
      plain) opts="" ;;
      deployed) opts="$SERVICE_JVM_FLAGS" ;;
      *) opts="$SERVICE_JVM_FLAGS -XX:SharedArchiveFile=$WORK/$service.jsa" ;;
    esac
    : >"$WORK/$service-$variant.txt"
    for _ in $(seq 1 "$ROUNDS"); do run_once $service $port "$opts" >>"$WORK/$service-$variant.txt"; stop_service; done
    echo "STARTUP $service $variant ready_ms=$(cut -d' ' -f1 "$WORK/$service-$variant.txt" | median) rss_after_start_mb=$(cut -d' ' -f2 "$WORK/$service-$variant.txt" | median) (median of $ROUNDS)"
  done
done

# the load: wrk POSTs one order with one valid token, over and over
if runs load || runs http; then
TOKEN=$(curl -sf -u bench:secret -d grant_type=client_credentials "$ISSUER/token" | json_field access_token)
[ -n "$TOKEN" ] || fail "no token"
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"customerId":"c-42","items":[{"sku":"BOOK-1","quantity":2,"unitPrice":"12.50"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
done = function(summary, latency, requests)
  io.write(string.format("WRK requests=%d non2xx=%d errors=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
fi
# where the machine's CPU goes during a load: a server, the broker, and the rest (wrk, the OS)
TICK=$(getconf CLK_TCK)
proc_ticks() { local t=0 pid; for pid in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) )); done; echo "$t"; }
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
BROKER_PIDS=$(pgrep -f beam.smp || true)

# load: the producer alone, so every published message stays in the queue to be counted
if runs load; then
cds=$([ -f "$WORK/producer.jsa" ] && echo "-XX:SharedArchiveFile=$WORK/producer.jsa" || echo "")
echo "# load on the producer started with: $SERVICE_JVM_FLAGS $cds ${LOAD_JAVA_OPTS:-}"
run_once producer $PRODUCER_PORT "$SERVICE_JVM_FLAGS $cds ${LOAD_JAVA_OPTS:-}" >"$WORK/load-start.txt"
rss_start=$(cut -d' ' -f2 "$WORK/load-start.txt")
# the management API's counts lag: the queue's depth once two reads five seconds apart agree
settled_queue_depth() {
  local q last=-1
  while :; do
    q=$(curl -sf -u "$ADMIN" "$MGMT/api/queues/$VHOST/orders.placed" | sed -n 's/.*"messages":\([0-9]*\).*/\1/p' | head -n1)
    [ "$q" = "$last" ] && break
    last=$q; sleep 5
  done
  echo "$last"
}
accepted_total() { curl -sf "http://127.0.0.1:$PRODUCER_PORT/metrics" | awk '/^orders_accepted_total/ {print int($2)}'; }
# the same load first, unmeasured: on 2 cores the JIT compiler competes with the load and takes most of a minute
# to finish; then the queue is emptied, so that what the measured load published can be counted
if [ "${WARMUP%s}" != 0 ]; then
  wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" --latency -s "$WORK/post.lua" "http://127.0.0.1:$PRODUCER_PORT/orders" \
    | sed -n 's/^WRK /WARMUP /p'
  settled_queue_depth >/dev/null
  curl -sf -u "$ADMIN" -X DELETE "$MGMT/api/queues/$VHOST/orders.placed/contents" >/dev/null
fi
accepted_before=$(accepted_total)
producer_before=$(proc_ticks "$SVC_PID"); broker_before=$(proc_ticks $BROKER_PIDS); read -r busy_before all_before <<<"$(machine_ticks)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/post.lua" "http://127.0.0.1:$PRODUCER_PORT/orders" >"$WORK/wrk.txt"
producer_cpu=$(( $(proc_ticks "$SVC_PID") - producer_before )); broker_cpu=$(( $(proc_ticks $BROKER_PIDS) - broker_before ))
read -r busy_after all_after <<<"$(machine_ticks)"
grep '^WRK' "$WORK/wrk.txt"
load_requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$WORK/wrk.txt")
# ticks are 1/TICK s of one core; per order in microseconds of CPU
echo "CPU during the load: machine busy $(( 100 * (busy_after - busy_before) / (all_after - all_before) ))% of $(nproc) cores;" \
  "producer $(( producer_cpu * 1000000 / TICK / load_requests )) us/order," \
  "broker $(( broker_cpu * 1000000 / TICK / load_requests )) us/order," \
  "rest (wrk, OS) $(( (busy_after - busy_before - producer_cpu - broker_cpu) * 1000000 / TICK / load_requests )) us/order"
accepted=$(( $(accepted_total) - accepted_before ))
rss_load=$(rss_mb "$SVC_PID")
stop_service
queued=$(settled_queue_depth)
non2xx=$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' "$WORK/wrk.txt")
requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$WORK/wrk.txt")
echo "LOAD producer 202s=$((requests - non2xx)) accepted_metric=$accepted queued=$queued rss_after_start_mb=$rss_start rss_after_load_mb=$rss_load"
[ "$queued" -ge "$((requests - non2xx))" ] && echo "MATCH every 202 has a message in the queue" || echo "MISMATCH: fewer messages than 202s"
fi

# the HTTP stack's floor: Javalin and Jetty as the producer runs them, answering the same POSTs with a handler that
# only reads the body (HttpFloorServer: no token check, no broker), under the same load and JVM options. Its CPU per
# request is the least the producer's could be; the broker's CPU per order (above) says what is left for it
if runs http; then
[ -f benchmarks/target/benchmarks.jar ] || ./mvnw -B -q -DskipTests -pl benchmarks -am package
# shellcheck disable=SC2086
start http-floor "$WORK/http-floor.log" java $SERVICE_JVM_FLAGS -cp benchmarks/target/benchmarks.jar \
  io.github.microkit.benchmarks.HttpFloorServer "$HTTP_FLOOR_PORT"
FLOOR_PID=$LAST_PID
wait_http "http://127.0.0.1:$HTTP_FLOOR_PORT/health/ready" 60 "the HTTP floor server" "$WORK/http-floor.log" "$FLOOR_PID"
if [ "${WARMUP%s}" != 0 ]; then
  wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" --latency -s "$WORK/post.lua" "http://127.0.0.1:$HTTP_FLOOR_PORT/orders" \
    | sed -n 's/^WRK /HTTP-FLOOR-WARMUP /p'
fi
floor_before=$(proc_ticks "$FLOOR_PID"); read -r busy_before all_before <<<"$(machine_ticks)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/post.lua" "http://127.0.0.1:$HTTP_FLOOR_PORT/orders" \
  >"$WORK/wrk-floor.txt"
floor_cpu=$(( $(proc_ticks "$FLOOR_PID") - floor_before )); read -r busy_after all_after <<<"$(machine_ticks)"
floor_requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$WORK/wrk-floor.txt")
sed -n 's/^WRK /HTTP-FLOOR /p' "$WORK/wrk-floor.txt"
echo "CPU during the HTTP floor load: machine busy $(( 100 * (busy_after - busy_before) / (all_after - all_before) ))%;" \
  "server $(( floor_cpu * 1000000 / TICK / floor_requests )) us/request," \
  "rest (wrk, OS) $(( (busy_after - busy_before - floor_cpu) * 1000000 / TICK / floor_requests )) us/request"
kill -TERM "$FLOOR_PID"; wait "$FLOOR_PID" 2>/dev/null || true
fi
runs perftest || exit 0

# the broker's own ceiling: PerfTest on the same vhost, a quorum queue of its own
cat >"$WORK/perftest-pom.xml" <<'POM'
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>perftest-classpath</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies><dependency><groupId>com.rabbitmq</groupId><artifactId>perf-test</artifactId><version>2.22.1</version></dependency></dependencies>
  <build><plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.9.0</version></plugin></plugins></build>
</project>
POM
./mvnw -B -q -f "$WORK/perftest-pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/perftest.classpath"
producer_rps=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' "$WORK/wrk.txt" 2>/dev/null || true)
# perftest NAME ARGS...: one PerfTest run on a quorum queue of its own; prints its rate, confirm latency and the
# producer's share of that rate
perftest() {
  local name=$1 rate
  shift
  java -cp "$(cat "$WORK/perftest.classpath")" com.rabbitmq.perf.PerfTest -h "amqp://${ADMIN}@127.0.0.1:5672/$VHOST" \
    -s 1000 -f persistent -qq -u "perftest-$name" -ad false -z "${DURATION%s}" "$@" >"$WORK/perftest-$name.txt" 2>&1
  grep -E 'sending rate avg|confirm latency min/' "$WORK/perftest-$name.txt" | sed "s/^id: [^,]*, /PERFTEST $name /"
  rate=$(sed -n 's/.*sending rate avg: \([0-9]*\) msg\/s.*/\1/p' "$WORK/perftest-$name.txt")
  [ -n "$rate" ] && [ -n "$producer_rps" ] \
    && echo "SHARE producer ${producer_rps} orders/s = $(( 100 * producer_rps / rate ))% of PerfTest $name ${rate} msg/s"
  curl -s -o /dev/null -u "$ADMIN" -X DELETE "$MGMT/api/queues/$VHOST/perftest-$name" || true
}
# the issue's ceiling: 100 unconfirmed messages in flight and a consumer
perftest c100 -x 1 -y 1 -c 100 -q 250
# the ceiling at wrk's concurrency: each of its connections waits for one answer, so the producer never has more
# than CONNECTIONS messages waiting for a confirm; and, as during the load, nobody consumes
perftest "c$CONNECTIONS" -x 1 -y 0 -c "$CONNECTIONS"
