#!/usr/bin/env bash
# Sets up the Vault layout microkit's samples use (docs: DESIGN.md "Vault layout"), with plain HTTP
# calls, so that the same script configures the Vault emulator in the demo and a real Vault from the
# Kubernetes setup Job. Idempotent: a rerun changes nothing but adds fresh AppRole secret ids (written
# to APPROLE_OUTPUT_DIR when set). Needs bash, curl (7.55 or newer), sed, awk, od and tr.
#
#   KV v2 at secret/               secret/microkit/<service> (written only when absent)
#   RabbitMQ engine at rabbitmq/   roles <service>, credentials made through the management API
#   policies                       microkit-<service>
#   auth methods                   approle and/or kubernetes, one role per service
#   audit                          file device "stdout"; the request-id headers are recorded
#
# Environment (defaults in brackets):
#   VAULT_ADDR, VAULT_TOKEN         required; VAULT_CACERT [unset] a CA file for https
#   SERVICES                        [producer consumer]
#   VAULT_AUTH_METHODS              [approle]  any of: approle kubernetes (space or comma separated)
#   RABBITMQ_MANAGEMENT_URL         [http://127.0.0.1:15672]  as Vault (not this script) reaches it
#   RABBITMQ_ADMIN_USERNAME         [guest]
#   RABBITMQ_ADMIN_PASSWORD         [guest]    (or RABBITMQ_ADMIN_PASSWORD_FILE)
#   RABBITMQ_VHOST                  [/]
#   RABBITMQ_VERIFY_CONNECTION      [true]     Vault checks the management API when configured
#   RABBITMQ_LEASE_TTL              [3600]     seconds; RABBITMQ_LEASE_MAX_TTL [86400]
#   TOKEN_TTL, TOKEN_MAX_TTL        [1h] [24h] for the tokens the auth roles issue
#   K8S_HOST                        [https://kubernetes.default.svc]
#   K8S_CA_CERT_FILE                [/var/run/secrets/kubernetes.io/serviceaccount/ca.crt] (skipped if absent)
#   K8S_NAMESPACE                   [microkit] namespace of the services' service accounts
#   K8S_TOKEN_REVIEWER_JWT_FILE     [unset] only when Vault runs outside the cluster
#   K8S_PEM_KEYS_FILE               [unset] PEM public keys of the service-account token issuer
#   APPROLE_OUTPUT_DIR              [unset] when set, writes <service>.role-id and <service>.secret-id there
#   AUDIT_ENABLED                   [true]
#   AUDIT_FILE_PATH                 [stdout]   where the file audit device "stdout" writes
#   AUDIT_REQUEST_HEADERS           [X-Request-Id traceparent] request headers the audit log records
#   <SERVICE>_SECRET_JSON           [{"hmac-key":"<random>"}] initial data of secret/microkit/<service>,
#                                   e.g. PRODUCER_SECRET_JSON='{"api-key":"..."}'
#   <SERVICE>_DATABASE_USERNAME     [unset] with <SERVICE>_DATABASE_PASSWORD (or <SERVICE>_DATABASE_PASSWORD_FILE):
#                                   the keys database.username and database.password of secret/microkit/<service>,
#                                   where the services read their database credentials. Part of a new secret;
#                                   in an existing one, written as a new version (check-and-set, other keys kept)
#                                   when they differ, so a changed database password reaches Vault on a rerun.
set -euo pipefail

: "${VAULT_ADDR:?VAULT_ADDR must be set}"
: "${VAULT_TOKEN:?VAULT_TOKEN must be set}"
SERVICES=${SERVICES:-producer consumer}
VAULT_AUTH_METHODS=${VAULT_AUTH_METHODS:-approle}
RABBITMQ_MANAGEMENT_URL=${RABBITMQ_MANAGEMENT_URL:-http://127.0.0.1:15672}
RABBITMQ_ADMIN_USERNAME=${RABBITMQ_ADMIN_USERNAME:-guest}
if [ -n "${RABBITMQ_ADMIN_PASSWORD_FILE:-}" ]; then
  RABBITMQ_ADMIN_PASSWORD=$(cat "$RABBITMQ_ADMIN_PASSWORD_FILE")
fi
RABBITMQ_ADMIN_PASSWORD=${RABBITMQ_ADMIN_PASSWORD:-guest}
RABBITMQ_VHOST=${RABBITMQ_VHOST:-/}
RABBITMQ_VERIFY_CONNECTION=${RABBITMQ_VERIFY_CONNECTION:-true}
RABBITMQ_LEASE_TTL=${RABBITMQ_LEASE_TTL:-3600}
RABBITMQ_LEASE_MAX_TTL=${RABBITMQ_LEASE_MAX_TTL:-86400}
TOKEN_TTL=${TOKEN_TTL:-1h}
TOKEN_MAX_TTL=${TOKEN_MAX_TTL:-24h}
K8S_HOST=${K8S_HOST:-https://kubernetes.default.svc}
K8S_CA_CERT_FILE=${K8S_CA_CERT_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/ca.crt}
K8S_NAMESPACE=${K8S_NAMESPACE:-microkit}
AUDIT_ENABLED=${AUDIT_ENABLED:-true}
AUDIT_FILE_PATH=${AUDIT_FILE_PATH:-stdout}
AUDIT_REQUEST_HEADERS=${AUDIT_REQUEST_HEADERS:-X-Request-Id traceparent}

log() { echo "[vault-setup] $*" >&2; }

# A JSON string literal of $1 (quotes, backslashes, control characters escaped): no jq needed.
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# The first string value of a top-level or nested "key" in a JSON document on stdin.
json_field() {
  sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1
}

# json MODE KEY... on a JSON document on stdin, without jq:
#   json get K1 K2 ...        the raw JSON value at the path K1.K2... (nothing when absent)
#   json members K1... -- D...  the members of the object at the path, comma-separated, without keys D...
# Strings are skipped with their escapes, so braces and commas inside values do not confuse it.
json() {
  awk -v mode="$1" -v args="${*:2}" '
    function ws() { while (pos <= n && index(" \t\r\n", substr(s, pos, 1))) pos++ }
    function str(   start, c) {
      start = pos; pos++
      while (pos <= n) {
        c = substr(s, pos, 1)
        if (c == "\\") pos += 2
        else if (c == "\"") { pos++; return substr(s, start, pos - start) }
        else pos++
      }
      bad = 1; return ""
    }
    function value(   start, c, depth) {
      ws(); start = pos; c = substr(s, pos, 1)
      if (c == "\"") { str(); return substr(s, start, pos - start) }
      if (c == "{" || c == "[") {
        depth = 0
        while (pos <= n) {
          c = substr(s, pos, 1)
          if (c == "\"") { str(); continue }
          if (c == "{" || c == "[") depth++
          else if (c == "}" || c == "]") { depth--; if (depth == 0) { pos++; return substr(s, start, pos - start) } }
          pos++
        }
        bad = 1; return ""
      }
      while (pos <= n && !index(",}] \t\r\n", substr(s, pos, 1))) pos++
      return substr(s, start, pos - start)
    }
    # Splits the object text o into count members: keys[i] (raw, quoted) and vals[i] (raw).
    function members(o,   key) {
      s = o; n = length(s); pos = 1; count = 0; ws()
      if (substr(s, pos, 1) != "{") return 0
      pos++
      while (pos <= n) {
        ws(); if (substr(s, pos, 1) == "}") return 1
        key = str(); ws(); if (substr(s, pos, 1) != ":") return 0
        pos++; count++; keys[count] = key; vals[count] = value(); ws()
        if (substr(s, pos, 1) == ",") pos++
        if (bad) return 0
      }
      return 0
    }
    { doc = doc $0 "\n" }
    END {
      np = split(args, a, " "); current = doc; nd = 0
      for (i = 1; i <= np; i++) {
        if (a[i] == "--") { for (j = i + 1; j <= np; j++) drop["\"" a[j] "\""] = 1; break }
        if (!members(current)) exit 0
        found = 0
        for (k = 1; k <= count; k++) if (keys[k] == "\"" a[i] "\"") { current = vals[k]; found = 1 }
        if (!found) exit 0
      }
      if (mode == "get") { printf "%s", current; exit 0 }
      if (!members(current)) exit 0
      out = ""
      for (k = 1; k <= count; k++) if (!(keys[k] in drop)) out = out (out == "" ? "" : ",") keys[k] ":" vals[k]
      printf "%s", out
    }'
}

CURL_OPTS=(--silent --show-error --max-time 30)
[ -n "${VAULT_CACERT:-}" ] && CURL_OPTS+=(--cacert "$VAULT_CACERT")

# vault METHOD PATH [BODY]: sets STATUS (HTTP code) and RESPONSE (body). Never prints the token.
STATUS=0
RESPONSE=
vault() {
  local method=$1 path=$2 body=${3:-} out
  local args=("${CURL_OPTS[@]}" -X "$method" -H "X-Vault-Request: true" -w '\n%{http_code}' "$VAULT_ADDR/v1/$path")
  # The token goes in through a file descriptor, so that it never shows in the process list; the
  # process substitution must sit on curl's own command line to be open while curl reads it.
  if [ -n "$body" ]; then
    out=$(printf '%s' "$body" | curl "${args[@]}" -H @<(printf 'X-Vault-Token: %s\n' "$VAULT_TOKEN") \
            -H "Content-Type: application/json" --data-binary @-) \
      || { log "cannot reach $VAULT_ADDR ($method $path)"; exit 1; }
  else
    out=$(curl "${args[@]}" -H @<(printf 'X-Vault-Token: %s\n' "$VAULT_TOKEN")) \
      || { log "cannot reach $VAULT_ADDR ($method $path)"; exit 1; }
  fi
  STATUS=${out##*$'\n'}
  RESPONSE=${out%$'\n'*}
}

# must METHOD PATH [BODY]: the call succeeds (2xx) or the script stops with Vault's error text.
must() {
  vault "$@"
  case "$STATUS" in
    2??) ;;
    *) log "$1 $2 failed with HTTP $STATUS: $RESPONSE"; exit 1 ;;
  esac
}

# enable KIND (mounts|auth) PATH BODY: enables a secrets engine or auth method; "already in use" is fine.
enable() {
  local kind=$1 path=$2 body=$3 res
  vault POST "sys/$kind/$path" "$body"; res=$RESPONSE
  case "$STATUS" in
    2??) log "enabled sys/$kind/$path" ;;
    400) if [[ "$res" == *"already in use"* ]]; then log "sys/$kind/$path already enabled"
         else log "enabling sys/$kind/$path failed: $res"; exit 1; fi ;;
    *) log "enabling sys/$kind/$path failed with HTTP $STATUS: $res"; exit 1 ;;
  esac
}

wants_auth() { [[ " ${VAULT_AUTH_METHODS//,/ } " == *" $1 "* ]]; }

random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# --- is Vault there, unsealed, and active? --------------------------------------------------------
vault GET "sys/health"
if [ "$STATUS" != 200 ]; then
  log "Vault at $VAULT_ADDR is not ready (sys/health answered HTTP $STATUS: $RESPONSE)"
  exit 1
fi

# --- audit device first, so that the rest of the setup is recorded --------------------------------
if [ "$AUDIT_ENABLED" = true ]; then
  must GET "sys/audit"
  if [[ "$RESPONSE" == *'"stdout/"'* ]]; then
    log "audit device stdout already enabled"
  else
    must PUT "sys/audit/stdout" "{\"type\":\"file\",\"description\":\"microkit audit log\",\"options\":{\"file_path\":$(json_str "$AUDIT_FILE_PATH")}}"
    log "enabled audit device stdout"
  fi
  # microkit sends a request id (the trace id) with each call; Vault records only configured headers.
  for header in ${AUDIT_REQUEST_HEADERS//,/ }; do
    must PUT "sys/config/auditing/request-headers/$header" '{"hmac":false}'
  done
fi

# --- secrets engines -------------------------------------------------------------------------------
enable mounts secret '{"type":"kv","description":"microkit static secrets","options":{"version":"2"}}'
enable mounts rabbitmq '{"type":"rabbitmq","description":"microkit RabbitMQ credentials"}'

must POST "rabbitmq/config/connection" "{\"connection_uri\":$(json_str "$RABBITMQ_MANAGEMENT_URL"),\
\"username\":$(json_str "$RABBITMQ_ADMIN_USERNAME"),\"password\":$(json_str "$RABBITMQ_ADMIN_PASSWORD"),\
\"verify_connection\":$RABBITMQ_VERIFY_CONNECTION}"
log "configured rabbitmq/config/connection for $RABBITMQ_MANAGEMENT_URL"
must POST "rabbitmq/config/lease" "{\"ttl\":$RABBITMQ_LEASE_TTL,\"max_ttl\":$RABBITMQ_LEASE_MAX_TTL}"

if wants_auth approle; then enable auth approle '{"type":"approle","description":"microkit services outside Kubernetes"}'; fi
if wants_auth kubernetes; then
  enable auth kubernetes '{"type":"kubernetes","description":"microkit services in Kubernetes"}'
  k8s_config="\"kubernetes_host\":$(json_str "$K8S_HOST")"
  if [ -r "$K8S_CA_CERT_FILE" ]; then
    k8s_config+=",\"kubernetes_ca_cert\":$(json_str "$(cat "$K8S_CA_CERT_FILE")")"
  fi
  if [ -n "${K8S_TOKEN_REVIEWER_JWT_FILE:-}" ]; then
    k8s_config+=",\"token_reviewer_jwt\":$(json_str "$(cat "$K8S_TOKEN_REVIEWER_JWT_FILE")")"
  fi
  if [ -n "${K8S_PEM_KEYS_FILE:-}" ]; then
    k8s_config+=",\"pem_keys\":[$(json_str "$(cat "$K8S_PEM_KEYS_FILE")")]"
  fi
  must POST "auth/kubernetes/config" "{$k8s_config}"
  log "configured auth/kubernetes for $K8S_HOST"
fi

# --- per service: secret, RabbitMQ role, policy, auth roles ----------------------------------------
for service in $SERVICES; do
  policy_name="microkit-$service"

  prefix=$(echo "$service" | tr '[:lower:]-' '[:upper:]_')
  var="${prefix}_SECRET_JSON"
  data=${!var:-"{\"hmac-key\":\"$(random_hex)\"}"}

  # The service's database credentials, when given: both or neither.
  var="${prefix}_DATABASE_USERNAME"; db_username=${!var:-}
  var="${prefix}_DATABASE_PASSWORD"; db_password=${!var:-}
  var="${prefix}_DATABASE_PASSWORD_FILE"
  if [ -n "${!var:-}" ]; then db_password=$(cat "${!var}"); fi
  db_members=
  if [ -n "$db_username" ] || [ -n "$db_password" ]; then
    if [ -z "$db_username" ] || [ -z "$db_password" ]; then
      log "$service: set both ${prefix}_DATABASE_USERNAME and ${prefix}_DATABASE_PASSWORD (or ${prefix}_DATABASE_PASSWORD_FILE)"
      exit 1
    fi
    db_members="\"database.username\":$(json_str "$db_username"),\"database.password\":$(json_str "$db_password")"
    other=$(printf '%s' "$data" | json members -- database.username database.password)
    data="{${other:+$other,}$db_members}"
  fi

  # Written only when absent (cas 0), so a rerun never replaces a secret someone has changed.
  vault POST "secret/data/microkit/$service" "{\"options\":{\"cas\":0},\"data\":$data}"; res=$RESPONSE
  case "$STATUS" in
    2??) log "wrote secret/microkit/$service" ;;
    400) if [[ "$res" == *"check-and-set"* ]]; then log "secret/microkit/$service exists, kept"
         else log "writing secret/microkit/$service failed: $res"; exit 1; fi ;;
    *) log "writing secret/microkit/$service failed with HTTP $STATUS: $res"; exit 1 ;;
  esac
  # An existing secret gets the database keys as a new version, its other keys unchanged; the
  # check-and-set on the version just read fails rather than overwrite a concurrent change.
  if [ -n "$db_members" ] && [ "$STATUS" = 400 ]; then
    must GET "secret/data/microkit/$service"
    current=$(printf '%s' "$RESPONSE" | json get data data)
    version=$(printf '%s' "$RESPONSE" | json get data metadata version)
    if [ "$(printf '%s' "$current" | json get database.username)" != "$(json_str "$db_username")" ] \
       || [ "$(printf '%s' "$current" | json get database.password)" != "$(json_str "$db_password")" ]; then
      other=$(printf '%s' "$current" | json members -- database.username database.password)
      must POST "secret/data/microkit/$service" "{\"options\":{\"cas\":${version:-0}},\"data\":{${other:+$other,}$db_members}}"
      log "wrote the database credentials into secret/microkit/$service (version ${version:-0} was current)"
    else
      log "secret/microkit/$service has the database credentials already"
    fi
  fi

  vhosts="{$(json_str "$RABBITMQ_VHOST"):{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}}"
  must POST "rabbitmq/roles/$service" "{\"tags\":\"\",\"vhosts\":$(json_str "$vhosts")}"

  policy=$(cat <<HCL
# microkit $service: its own static secret, its own RabbitMQ credentials, and their leases.
path "secret/data/microkit/$service" {
  capabilities = ["read"]
}
path "secret/metadata/microkit/$service" {
  capabilities = ["read"]
}
path "rabbitmq/creds/$service" {
  capabilities = ["read"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
# The lease id may also travel in the URL (vault-java-driver renews that way); the default policy
# covers only the body form.
path "sys/leases/renew/rabbitmq/creds/$service/*" {
  capabilities = ["update"]
}
path "sys/leases/revoke" {
  capabilities = ["update"]
}
path "sys/leases/revoke/rabbitmq/creds/$service/*" {
  capabilities = ["update"]
}
HCL
)
  must PUT "sys/policies/acl/$policy_name" "{\"policy\":$(json_str "$policy")}"
  log "wrote policy $policy_name and rabbitmq role $service"

  token_settings="\"token_policies\":[\"$policy_name\"],\"token_ttl\":\"$TOKEN_TTL\",\"token_max_ttl\":\"$TOKEN_MAX_TTL\""
  if wants_auth approle; then
    must POST "auth/approle/role/$service" "{$token_settings,\"secret_id_ttl\":\"0\",\"bind_secret_id\":true}"
    log "wrote approle role $service"
    if [ -n "${APPROLE_OUTPUT_DIR:-}" ]; then
      mkdir -p "$APPROLE_OUTPUT_DIR"
      must GET "auth/approle/role/$service/role-id"
      role_id=$(printf '%s' "$RESPONSE" | json_field role_id)
      must POST "auth/approle/role/$service/secret-id" '{}'
      secret_id=$(printf '%s' "$RESPONSE" | json_field secret_id)
      (umask 077; printf '%s' "$role_id" >"$APPROLE_OUTPUT_DIR/$service.role-id"
                  printf '%s' "$secret_id" >"$APPROLE_OUTPUT_DIR/$service.secret-id")
      log "wrote $APPROLE_OUTPUT_DIR/$service.role-id and .secret-id"
    fi
  fi
  if wants_auth kubernetes; then
    must POST "auth/kubernetes/role/$service" "{$token_settings,\
\"bound_service_account_names\":[$(json_str "$service")],\
\"bound_service_account_namespaces\":[$(json_str "$K8S_NAMESPACE")]}"
    log "wrote kubernetes role $service (service account $K8S_NAMESPACE/$service)"
  fi
done

log "done: Vault at $VAULT_ADDR has the microkit layout"
