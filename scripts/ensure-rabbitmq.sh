#!/usr/bin/env bash
# Makes sure a RabbitMQ broker accepts AMQP connections, for ./test.sh and ./demo.sh.
#
# - RABBITMQ_URI set: that broker is used as it is; we only check that it answers.
# - else the local broker on 127.0.0.1:5672: started if stopped, installed with apt-get if absent
#   and we may (root or passwordless sudo); the management plugin is enabled (the Vault emulator's
#   RabbitMQ secrets engine uses its HTTP API, as Vault's does).
# - else it stops with a message that says how to get one.
#
# Source it (". scripts/ensure-rabbitmq.sh") or run it; it exits non-zero when no broker can be had.
set -euo pipefail

ENSURE_TAG=rabbitmq
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

how_to_get_one() {
  cat >&2 <<'TXT'
[rabbitmq] No RabbitMQ broker could be had. Either
  - start one on 127.0.0.1:5672 with user guest/guest (Debian/Ubuntu: sudo apt-get install -y rabbitmq-server
    && sudo rabbitmq-server -detached), or
  - point the tests at an existing broker: export RABBITMQ_URI=amqp://user:password@host:5672/vhost
TXT
}

if [ -n "${RABBITMQ_URI:-}" ]; then
  hostport=$(echo "$RABBITMQ_URI" | sed -E 's#^amqps?://([^@/]*@)?([^/:?]+)(:([0-9]+))?.*#\2 \4#')
  use_given RABBITMQ_URI "$hostport" 5672 broker "does not answer" port_open
fi

export RABBITMQ_NODENAME=${RABBITMQ_NODENAME:-rabbit@localhost}

if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
  if may_apt_install; then
    apt_install rabbitmq-server # we start it ourselves below
  fi
fi
export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  give_up
fi

if ! port_open 127.0.0.1 5672; then
  log "starting the local broker ($RABBITMQ_NODENAME)"
  as_root env RABBITMQ_NODENAME="$RABBITMQ_NODENAME" rabbitmq-server -detached >/dev/null 2>&1 || true
  as_root env RABBITMQ_NODENAME="$RABBITMQ_NODENAME" rabbitmqctl -n "$RABBITMQ_NODENAME" -q await_startup --timeout 120 >/dev/null 2>&1 || true
fi
if ! wait_for_port 127.0.0.1 5672 90; then
  give_up "the local broker did not open port 5672"
fi

# the management API (port 15672) serves the emulator's RabbitMQ secrets engine and the test fixtures' checks
if ! port_open 127.0.0.1 15672; then
  node=$RABBITMQ_NODENAME
  as_root rabbitmq-plugins -n "$node" enable rabbitmq_management >/dev/null 2>&1 \
    || as_root rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1 || true
  wait_for_port 127.0.0.1 15672 60 || log "management plugin not reachable on 15672 (tests that need it will say so)"
fi
log "broker ready on 127.0.0.1:5672"
