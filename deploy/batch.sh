#!/usr/bin/env bash
# Batch scoring of your own JSON-lines file on a local Flink MiniCluster, with a progress bar:
#   deploy/batch.sh --input queries.jsonl --output out/ [--fresh] [job flags, e.g. --preset sim --parallelism 2]
# The output directory gets answers/ and dead-letters/ (part files) and summary.json / summary.md; a second run into
# it answers only what is missing. On a cluster: flink run ... MoaJob --mode batch --batch.input P --batch.output D.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh
moa_build deploy
cp=$(moa_classpath deploy)
exec java ${MOA_JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true -Dlog4j2.configurationFile=deploy/log4j2-quiet.xml \
  -cp "deploy/target/classes:$cp" dev.moaflink.deploy.BatchCli "$@"
