#!/usr/bin/env bash
# What scripts/ensure-*.sh share; sourced by them, not run. The sourcing script sets ENSURE_TAG (the prefix of
# its messages, such as postgres) and defines how_to_get_one (what to do when no server can be had).

# log MESSAGE...: a message on stderr, prefixed with [ENSURE_TAG].
log() { echo "[$ENSURE_TAG] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_until SECONDS COMMAND...: runs COMMAND once a second until it succeeds; fails after SECONDS tries.
wait_until() {
  local seconds=$1
  shift
  for _ in $(seq 1 "$seconds"); do
    "$@" && return 0
    sleep 1
  done
  return 1
}

# wait_for_port HOST PORT SECONDS: until HOST:PORT accepts a TCP connection.
wait_for_port() { wait_until "$3" port_open "$1" "$2"; }

# give_up [MESSAGE...]: says MESSAGE, then how to get a server, and exits 1.
give_up() {
  [ $# -eq 0 ] || log "$*"
  how_to_get_one
  exit 1
}

# use_given VARIABLE "HOST [PORT]" DEFAULT_PORT WHAT PROBLEM CHECK...: the server VARIABLE names is used as it
# is: exits 0 once CHECK HOST PORT succeeds (within 30 s), else gives up, saying "VARIABLE is set but HOST:PORT
# PROBLEM". PORT is DEFAULT_PORT when empty.
use_given() {
  local variable=$1 host=${2% *} port=${2#* } what=$4 problem=$5
  [ -n "$port" ] || port=$3
  shift 5
  if wait_until 30 "$@" "$host" "$port"; then
    log "using the $what at $host:$port from $variable"
    exit 0
  fi
  give_up "$variable is set but $host:$port $problem"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo -n -E "$@"; else return 1; fi; }

# may_apt_install: whether apt_install can work here (apt-get, and root or passwordless sudo).
may_apt_install() { command -v apt-get >/dev/null 2>&1 && as_root true; }

# apt_install PACKAGE: installs PACKAGE with apt-get. Its own start attempt may fail without systemd (the
# caller starts the server itself), so a failed install is not an error here: the caller checks what it got.
apt_install() {
  log "installing $1 with apt-get"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$1" >/dev/null || true
}
