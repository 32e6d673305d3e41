#!/usr/bin/env bash
# The whole flow on one machine, step by step: identity provider, Vault, broker, consumer, producer.
#
#   ./demo.sh
#
# Needs a JDK 17+ and curl; a RabbitMQ broker on 127.0.0.1:5672 is started, or installed with apt-get,
# when none runs (or give RABBITMQ_URI for an existing one, with RABBITMQ_MANAGEMENT_URL for its HTTP API).
# Everything the demo starts is stopped when it ends, also on Ctrl-C or a failure. Logs stay in $DEMO_DIR.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/demo-lib.sh

PRODUCER_PORT=${PRODUCER_PORT:-8080}
CONSUMER_PORT=${CONSUMER_PORT:-8081}
IDP_PORT=${IDP_PORT:-8090}
VAULT_PORT=${VAULT_PORT:-8200}
OUTBOX_PRODUCER_PORT=${OUTBOX_PRODUCER_PORT:-8082}
BROKER_PROXY_PORT=${BROKER_PROXY_PORT:-5680}
RABBITMQ_MANAGEMENT_URL=${RABBITMQ_MANAGEMENT_URL:-http://127.0.0.1:15672}
RABBITMQ_ADMIN=${RABBITMQ_ADMIN:-guest:guest}
DEMO_DIR=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/microkit-demo.XXXXXX")}
mkdir -p "$DEMO_DIR"
trap 'step "Stopping everything the demo started"; stop_all; say "logs: $DEMO_DIR"' EXIT
trap 'exit 130' INT TERM

if ! command -v curl >/dev/null 2>&1; then
  # the only tool beyond the JDK the demo needs; a fresh Debian or Ubuntu may lack it
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
    say "installing curl with apt-get"
    $([ "$(id -u)" = 0 ] || echo sudo -n) apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" = 0 ] || echo sudo -n -E) apt-get install -y -qq curl >/dev/null
  else
    fail "curl is missing: install it (apt-get install curl) and run again"
  fi
fi

step "1. Build the services, the Vault emulator and the identity provider's classpath"
./mvnw -B -q ${MVN_FLAGS:-} -DskipTests -pl sample-producer,sample-consumer,vault-emulator -am package
say "sample-producer/target/sample-producer.jar, sample-consumer/target/sample-consumer.jar, vault-emulator/target/vault-emulator.jar"

step "2. Make sure a RabbitMQ broker runs (scripts/ensure-rabbitmq.sh)"
scripts/ensure-rabbitmq.sh
RABBITMQ_URI=${RABBITMQ_URI:-amqp://127.0.0.1:5672}
for p in "$PRODUCER_PORT:producer" "$CONSUMER_PORT:consumer" "$IDP_PORT:identity provider" "$VAULT_PORT:Vault emulator" \
         "$OUTBOX_PRODUCER_PORT:producer in outbox mode" "$BROKER_PROXY_PORT:the demo's broker proxy"; do
  require_free_port "${p%%:*}" "${p#*:}"
done

step "3. Start the identity provider (mock-oauth2-server) on $IDP_PORT"
ISSUER="http://127.0.0.1:$IDP_PORT/default"
# two clients: demo-client may write and read orders, reader may only read
IDP_CONFIG='{"interactiveLogin":false,"httpServer":"NettyWrapper","tokenCallbacks":[{"issuerId":"default","tokenExpiry":300,"requestMappings":[
 {"requestParam":"client_id","match":"demo-client","claims":{"sub":"demo-client","aud":["orders-api"],"scope":"orders:write orders:read"}},
 {"requestParam":"client_id","match":"reader","claims":{"sub":"reader","aud":["orders-api"],"scope":"orders:read"}}]}]}'
start "mock-oauth2-server" "$DEMO_DIR/idp.log" env SERVER_PORT="$IDP_PORT" SERVER_HOSTNAME=127.0.0.1 JSON_CONFIG="$IDP_CONFIG" \
  java -cp "$(cat sample-consumer/target/idp.classpath)" no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt
wait_http "$ISSUER/.well-known/openid-configuration" 60 "the identity provider" "$DEMO_DIR/idp.log" "$LAST_PID"
say "issuer $ISSUER"

step "4. Start the Vault emulator on $VAULT_PORT and set it up with the same script a real Vault gets"
start "vault-emulator" "$DEMO_DIR/vault.log" java -jar vault-emulator/target/vault-emulator.jar \
  --port "$VAULT_PORT" --root-token root --audit-file "$DEMO_DIR/vault-audit.log" --rabbitmq-management-url "$RABBITMQ_MANAGEMENT_URL"
export VAULT_ADDR="http://127.0.0.1:$VAULT_PORT"
wait_http "$VAULT_ADDR/v1/sys/health" 60 "the Vault emulator" "$DEMO_DIR/vault.log" "$LAST_PID"
# Database credentials in secret/microkit/<service> (database.username, database.password), as in Kubernetes.
# The services' database is an H2 file in a fresh directory of this run (no DATABASE_URL): H2 creates it with
# the first user that opens it, so the credentials Vault hands out are the database's own (kept in $DEMO_DIR, so
# a rerun with the same DEMO_DIR opens its databases again).
for svc in producer consumer; do
  [ -s "$DEMO_DIR/$svc-database.password" ] || od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$DEMO_DIR/$svc-database.password"
done
RABBITMQ_ADMIN_USERNAME=${RABBITMQ_ADMIN%%:*} RABBITMQ_ADMIN_PASSWORD=${RABBITMQ_ADMIN#*:} \
  VAULT_TOKEN=root APPROLE_OUTPUT_DIR="$DEMO_DIR/approle" RABBITMQ_MANAGEMENT_URL="$RABBITMQ_MANAGEMENT_URL" \
  PRODUCER_DATABASE_USERNAME=producer PRODUCER_DATABASE_PASSWORD_FILE="$DEMO_DIR/producer-database.password" \
  CONSUMER_DATABASE_USERNAME=consumer CONSUMER_DATABASE_PASSWORD_FILE="$DEMO_DIR/consumer-database.password" \
  manifests/overlays/dev/vault/vault-setup.sh >"$DEMO_DIR/vault-setup.log" 2>&1 \
  || { tail -n 20 "$DEMO_DIR/vault-setup.log"; fail "the Vault setup script failed"; }
say "KV v2 at secret/ (with database credentials), RabbitMQ engine with roles producer and consumer, AppRole logins (ids in $DEMO_DIR/approle)"

# start_service NAME PORT [LOG-NAME [VAR=VALUE...]]: the jar (with the serial collector, as its Dockerfile runs it)
# with AppRole credentials, its RabbitMQ user a fresh one from Vault, in a working directory of its own under
# $DEMO_DIR (its H2 database: ./data/sample-NAME)
start_service() {
  local name=$1 port=$2 log=${3:-$1}
  shift $(( $# < 3 ? $# : 3 ))
  mkdir -p "$DEMO_DIR/$log"
  start "sample-$log" "$DEMO_DIR/$log.log" env -C "$DEMO_DIR/$log" HTTP_PORT="$port" JWT_ISSUER="$ISSUER" \
    RABBITMQ_URI="$RABBITMQ_URI" VAULT_ADDR="$VAULT_ADDR" VAULT_AUTH=approle \
    VAULT_ROLE_ID_FILE="$DEMO_DIR/approle/$name.role-id" VAULT_SECRET_ID_FILE="$DEMO_DIR/approle/$name.secret-id" \
    VAULT_RABBITMQ_ROLE="$name" SHUTDOWN_TIMEOUT=PT10S "$@" java -XX:+UseSerialGC -jar "$PWD/sample-$name/target/sample-$name.jar"
}

step "5. Start the consumer ($CONSUMER_PORT) and the producer ($PRODUCER_PORT)"
start_service consumer "$CONSUMER_PORT"; CONSUMER_PID=$LAST_PID
start_service producer "$PRODUCER_PORT"; PRODUCER_PID=$LAST_PID
wait_http "http://127.0.0.1:$CONSUMER_PORT/health/ready" 90 "the consumer" "$DEMO_DIR/consumer.log" "$CONSUMER_PID"
wait_http "http://127.0.0.1:$PRODUCER_PORT/health/ready" 90 "the producer" "$DEMO_DIR/producer.log" "$PRODUCER_PID"
grep -h -E 'credentials from Vault|ready on port' "$DEMO_DIR/consumer.log" "$DEMO_DIR/producer.log" | sed 's/^/   /'
say "databases: $DEMO_DIR/consumer/data and $DEMO_DIR/producer/data (H2 files; DATABASE_URL would point at PostgreSQL)"

step "6. Get a token by client credentials (client demo-client, scopes orders:write orders:read)"
token() { curl -sf -u "$1:secret" -d grant_type=client_credentials -d "scope=$2" "$ISSUER/token" | json_field access_token; }
TOKEN=$(token demo-client "orders:write orders:read")
[ -n "$TOKEN" ] || fail "no token from $ISSUER/token"
say "access token: ${TOKEN:0:24}... (a signed JWT, aud orders-api)"

# post BODY TOKEN [CONTENT-TYPE]: prints the status line and body of POST /orders
post() {
  curl -s -o "$DEMO_DIR/response" -w '%{http_code}' -X POST "http://127.0.0.1:$PRODUCER_PORT/orders" \
    -H "Authorization: Bearer $2" -H "Content-Type: ${3:-application/json}" -H "traceparent: $TRACEPARENT" -d "$1"
}
expect() { # expect WANTED GOT WHAT
  if [ "$2" = "$1" ]; then say "-> $2 $(cat "$DEMO_DIR/response")"; else fail "$3: expected $1, got $2 $(cat "$DEMO_DIR/response")"; fi
}

step "7. POST an order: 202 only after the broker confirmed the message"
TRACE_ID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
TRACEPARENT="00-$TRACE_ID-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-01"
ORDER='{"customerId":"c-42","items":[{"sku":"BOOK-1","quantity":2,"unitPrice":"12.50"}]}'
say "POST /orders $ORDER  (traceparent $TRACEPARENT)"
status=$(post "$ORDER" "$TOKEN"); expect 202 "$status" "posting an order"
ORDER_ID=$(json_field orderId <"$DEMO_DIR/response")

step "8. The consumer logs the order with the same trace id"
wait_for_line "$DEMO_DIR/producer.log" "order $ORDER_ID accepted" 10 | sed 's/^/   producer: /' || fail "no producer log line for $ORDER_ID"
wait_for_line "$DEMO_DIR/consumer.log" "order $ORDER_ID stored.*trace=$TRACE_ID" 20 | sed 's/^/   consumer: /' \
  || fail "the consumer did not log order $ORDER_ID with trace=$TRACE_ID"

step "9. Read it back from the consumer: GET /orders/$ORDER_ID (scope orders:read)"
status=$(curl -s -o "$DEMO_DIR/response" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$CONSUMER_PORT/orders/$ORDER_ID")
expect 200 "$status" "reading the order back"

step "10. A tampered token: 401"
# one character in the middle of the signature changed (the last character would not do: its low bits are padding)
mid=$(( ${#TOKEN} - 20 ))
TAMPERED="${TOKEN:0:mid}$( [ "${TOKEN:mid:1}" = A ] && echo B || echo A )${TOKEN:mid+1}"
status=$(post "$ORDER" "$TAMPERED"); expect 401 "$status" "a tampered token"

step "11. A valid token without the scope orders:write (client reader): 403"
READER=$(token reader "orders:read")
status=$(post "$ORDER" "$READER"); expect 403 "$status" "a token without the scope"

step "12. A malformed body: 400, nothing published"
status=$(post '{"customerId": "c-42", "items": [{"sku": "BOOK-1", "quantity": "two"}]}' "$TOKEN"); expect 400 "$status" "a malformed body"

step "13. A poison message (not JSON) lands in the dead-letter queue orders.placed.dlq"
dlq_count() {
  curl -sf -u "$RABBITMQ_ADMIN" "$RABBITMQ_MANAGEMENT_URL/api/queues/%2F/orders.placed.dlq" | sed -n 's/.*"messages":\([0-9]*\).*/\1/p' | head -n1
}
before=$(dlq_count || echo 0)
POISON_ID="poison-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
curl -sf -u "$RABBITMQ_ADMIN" -H 'content-type: application/json' -X POST "$RABBITMQ_MANAGEMENT_URL/api/exchanges/%2F/orders/publish" \
  -d "{\"properties\":{\"type\":\"order.placed.v1\",\"message_id\":\"$POISON_ID\",\"content_type\":\"application/json\",\"delivery_mode\":2},\"routing_key\":\"order.placed\",\"payload\":\"{not json\",\"payload_encoding\":\"string\"}" >/dev/null \
  || fail "could not publish through $RABBITMQ_MANAGEMENT_URL"
say "published message $POISON_ID with body '{not json' to exchange orders"
wait_for_line "$DEMO_DIR/consumer.log" "$POISON_ID.*dead-lettered" 20 | sed 's/^/   consumer: /' || fail "the poison message was not dead-lettered"
deadline=$((SECONDS + 10))
until [ "$(dlq_count || echo 0)" -gt "${before:-0}" ]; do [ "$SECONDS" -lt "$deadline" ] || fail "orders.placed.dlq did not grow"; sleep 0.3; done
say "orders.placed.dlq now holds $(dlq_count) message(s); the newest carries x-exception-type and x-exception-message"

step "14. PUBLISH_MODE=outbox: a second producer ($OUTBOX_PRODUCER_PORT) reaches the broker through a proxy this demo owns"
# The broker may be shared with other programs on this machine, so the demo does not stop it: it stops the
# proxy, which is the broker going away for this producer alone (its connection cut, reconnects refused).
broker_hostport=$(echo "$RABBITMQ_URI" | sed -E 's#^amqps?://([^@/]*@)?([^/:?]+)(:([0-9]+))?.*#\2 \4#')
BROKER_HOST=${broker_hostport% *}; BROKER_PORT=${broker_hostport#* }; BROKER_PORT=${BROKER_PORT:-5672}
PROXIED_URI=$(echo "$RABBITMQ_URI" | sed -E "s#^(amqps?://([^@/]*@)?)[^/:?]+(:[0-9]+)?#\1127.0.0.1:$BROKER_PROXY_PORT#")
start_proxy() {
  start "broker proxy" "$DEMO_DIR/proxy.log" java scripts/TcpProxy.java "$BROKER_PROXY_PORT" "$BROKER_HOST" "$BROKER_PORT"
  PROXY_PID=$LAST_PID
  local deadline=$((SECONDS + 30))
  until port_open 127.0.0.1 "$BROKER_PROXY_PORT"; do
    [ "$SECONDS" -lt "$deadline" ] && kill -0 "$PROXY_PID" 2>/dev/null || fail "the broker proxy did not start ($DEMO_DIR/proxy.log)"
    sleep 0.2
  done
}
start_proxy
start_service producer "$OUTBOX_PRODUCER_PORT" producer-outbox PUBLISH_MODE=outbox RABBITMQ_URI="$PROXIED_URI"
OUTBOX_PID=$LAST_PID
wait_http "http://127.0.0.1:$OUTBOX_PRODUCER_PORT/health/ready" 90 "the producer in outbox mode" "$DEMO_DIR/producer-outbox.log" "$OUTBOX_PID"
grep -h 'ready on port' "$DEMO_DIR/producer-outbox.log" | sed 's/^/   /'

# check NAME: the state of one check in the producer's readiness report
check() {
  curl -s "http://127.0.0.1:$OUTBOX_PRODUCER_PORT/health/ready" | sed -n "s/.*\"$1\":{\"status\":\"\([A-Z]*\)\".*/\1/p"
}
step "15. The broker goes away (proxy stopped): orders are still accepted, at the commit of their transaction"
kill -KILL "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true
deadline=$((SECONDS + 30))
until [ "$(check rabbitmq)" = DEGRADED ]; do [ "$SECONDS" -lt "$deadline" ] || fail "the outbox producer did not notice the broker was away"; sleep 0.3; done
say "readiness: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$OUTBOX_PRODUCER_PORT/health/ready") (rabbitmq $(check rabbitmq), outbox-relay $(check outbox-relay)): still ready for orders"
OUTBOX_ORDERS=()
for i in 1 2 3; do
  status=$(curl -s -o "$DEMO_DIR/response" -w '%{http_code}' -X POST "http://127.0.0.1:$OUTBOX_PRODUCER_PORT/orders" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -H "Idempotency-Key: outbox-demo-$i-$TRACE_ID" \
    -d "{\"customerId\":\"c-outbox\",\"items\":[{\"sku\":\"BOOK-$i\",\"quantity\":1,\"unitPrice\":\"9.99\"}]}")
  expect 202 "$status" "posting an order in outbox mode while the broker is away"
  OUTBOX_ORDERS+=("$(json_field orderId <"$DEMO_DIR/response")")
done
# the relay's health counts what waits in the outbox (its facts, refreshed about once a second)
backlog() { curl -s "http://127.0.0.1:$OUTBOX_PRODUCER_PORT/health/ready" | sed -n 's/.*"backlog":\([0-9]*\).*/\1/p'; }
deadline=$((SECONDS + 15))
until [ "$(backlog || echo 0)" -ge 3 ] 2>/dev/null; do [ "$SECONDS" -lt "$deadline" ] || fail "the outbox backlog did not show the 3 orders"; sleep 0.3; done
for id in "${OUTBOX_ORDERS[@]}"; do
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$CONSUMER_PORT/orders/$id")
  [ "$status" = 404 ] || fail "order $id reached the consumer while the broker was away ($status)"
done
say "none of the 3 has reached the consumer (404): backlog $(backlog) in the producer's outbox (relay $(check outbox-relay))"

step "16. The broker comes back (proxy started again): the relay publishes, the consumer stores each order once"
start_proxy
for id in "${OUTBOX_ORDERS[@]}"; do
  wait_for_line "$DEMO_DIR/consumer.log" "order $id stored" 60 | sed 's/^/   consumer: /' \
    || fail "order $id did not reach the consumer after the broker came back"
  status=$(curl -s -o "$DEMO_DIR/response" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$CONSUMER_PORT/orders/$id")
  expect 200 "$status" "reading an order accepted in outbox mode"
done

step "Done: every step behaved as the contract says"
