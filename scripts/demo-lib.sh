#!/usr/bin/env bash
# Helpers of ./demo.sh: start processes we own, wait for them, stop exactly those on exit.
# Needs only bash, curl, a JDK and coreutils (no jq, no python).

DEMO_PIDS=()

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
fail() { printf '\n\033[31mdemo failed: %s\033[0m\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

require_free_port() {
  if port_open 127.0.0.1 "$1"; then
    fail "port $1 ($2) is taken; stop what runs there (or set its port variable) and run again"
  fi
}

# start NAME LOGFILE COMMAND...: runs COMMAND in the background, remembering its pid for the cleanup.
start() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 &
  DEMO_PIDS+=("$!")
  LAST_PID=$!
  say "started $name (pid $!, log $log)"
}

# wait_http URL SECONDS NAME [LOG [PID]]: polls until the URL answers 2xx (every WAIT_HTTP_POLL seconds, default
# 0.3); fails with the log's tail when the time is up or the process PID has exited.
wait_http() {
  local url=$1 seconds=$2 name=$3 log=${4:-} pid=${5:-}
  local deadline=$((SECONDS + seconds))
  until curl -sf -o /dev/null "$url"; do
    if [ "$SECONDS" -ge "$deadline" ] || { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; }; then
      [ -n "$log" ] && tail -n 30 "$log" >&2
      fail "$name did not become ready at $url within ${seconds}s"
    fi
    sleep "${WAIT_HTTP_POLL:-0.3}"
  done
}

# wait_for_line FILE PATTERN SECONDS: prints the first line of FILE matching PATTERN once it appears.
wait_for_line() {
  local file=$1 pattern=$2 seconds=$3
  local deadline=$((SECONDS + seconds))
  until grep -m1 -E "$pattern" "$file" 2>/dev/null; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# json_field NAME: the string value of "NAME" in the JSON on stdin (flat fields only; enough for the demo).
json_field() { sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p" | head -n1; }

# stop_all: SIGTERM to each process we started, newest first, then wait for it (services drain on SIGTERM).
stop_all() {
  local i pid
  for ((i = ${#DEMO_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${DEMO_PIDS[$i]}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  DEMO_PIDS=()
}
