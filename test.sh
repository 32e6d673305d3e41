#!/usr/bin/env bash
# The README's test command: makes sure the tests' real parts are there, then runs every test.
#   ./test.sh                 unit and integration tests of every module
#   ./test.sh -pl core-lib    extra arguments go to Maven
set -euo pipefail
cd "$(dirname "$0")"

bash scripts/ensure-rabbitmq.sh
bash scripts/ensure-postgres.sh

exec ./mvnw -B -ntp verify "$@"
