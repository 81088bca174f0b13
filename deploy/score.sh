#!/usr/bin/env bash
# Batch scoring over public benchmarks (../shared/datasets, or --datasets-dir / MOA_DATASETS_DIR): runs the job in batch
# mode once per variant on a local Flink MiniCluster and writes target/score/score.md (accuracy per dataset and variant),
# score.json and a timeline page per variant:
#   deploy/score.sh --dataset arc-easy,gsm8k [--split S] [--limit 50] [--variants dense,tree,bypass-067] [--preset sim]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh
moa_build deploy
cp=$(moa_classpath deploy)
exec java ${MOA_JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true -Dlog4j2.configurationFile=deploy/log4j2-quiet.xml \
  -cp "deploy/target/classes:$cp" dev.moaflink.deploy.ScoreCli "$@"
