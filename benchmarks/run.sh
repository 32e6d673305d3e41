#!/usr/bin/env bash
# Runs microkit against the raw clients and prints one RATIO line per comparison:
#   RATIO <name> <microkit ops/s> <raw ops/s> <ratio>   (medians of interleaved rounds)
#
#   benchmarks/run.sh publish      publish-classic, publish-quorum
#   benchmarks/run.sh consume      consume-classic, consume-pubsub-classic
#   benchmarks/run.sh verify       verify-<alg>-<threads>t, verify-cached-<alg>-<threads>t
#   benchmarks/run.sh              everything
#
# ROUNDS (default 3), WARMUP_SECONDS (5), MEASURE_SECONDS (5) and ITERATIONS (2) tune the run.
# RABBITMQ_URI picks the broker (default: the local one, started or installed as ./test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."

filter=${1:-}
bash scripts/ensure-rabbitmq.sh
./mvnw -B -q -ntp package -pl benchmarks -am -DskipTests
exec java -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar io.github.microkit.benchmarks.RatioRunner "$filter"
