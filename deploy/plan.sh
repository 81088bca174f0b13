#!/usr/bin/env bash
# A placement plan for a batch run from the dataset's own mix (MOSAIC's offline setting):
#   deploy/plan.sh --input queries.jsonl --profile expert-small=instruct-4b ... --workers 4 --worker-type h100-80gb \
#     --out plan.json [job flags]
# then: deploy/batch.sh --input queries.jsonl --output out/ --placement plan.json (or flink run ... --placement).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh
moa_build deploy
cp=$(moa_classpath deploy)
exec java ${MOA_JAVA_OPTS:--Xmx2g} -Dlog4j2.configurationFile=deploy/log4j2-quiet.xml \
  -cp "deploy/target/classes:$cp" dev.moaflink.deploy.PlanCli "$@"
