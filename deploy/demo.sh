#!/usr/bin/env bash
# The embedded demo: in-JVM Kafka (KRaft) + local Flink MiniCluster + the MoA job on ~20 sample queries.
# Runs the bundled tiny models (DJL engine, CPU) by default; deploy/demo.sh --preset sim runs the simulated engine.
# Extra arguments are job configuration flags, e.g. deploy/demo.sh --default_topology dense-9-9-1
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh
moa_build deploy
cp=$(moa_classpath deploy)
exec java ${MOA_JAVA_OPTS:--Xmx3g} -Dai.djl.offline=true -Dlog4j2.configurationFile=deploy/log4j2-quiet.xml \
  -cp "deploy/target/classes:$cp" dev.moaflink.deploy.EmbeddedDemo "$@"
