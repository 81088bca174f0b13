#!/usr/bin/env bash
# Runs one benchmark from the repository root: deploy/bench.sh NAME [--key value ...]
# Builds what it needs, then writes target/bench/NAME.json and target/bench/NAME.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: deploy/bench.sh NAME [--key value ...]   (NAME: overhead, engine, placement, faster-moa, soak, state, stop-path, load, sampling, batch, models)" >&2
  exit 2
fi
source deploy/lib.sh
moa_build integration-tests
cp=$(moa_classpath integration-tests)
exec java ${MOA_JAVA_OPTS:--Xmx6g -XX:+UseParallelGC} -Dai.djl.offline=true -Dmoa.repo.root="$PWD" \
  -Dlog4j2.configurationFile=deploy/log4j2-quiet.xml \
  -cp "integration-tests/target/classes:$cp" dev.moaflink.bench.Bench "$@"
