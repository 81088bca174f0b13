#!/usr/bin/env bash
# Measures a model on a real engine and writes a cost profile (moa-cost-profile/1) for the scheduler:
#   deploy/profile.sh --backend djl --model expert-small \
#       --option path=classpath:dev/moaflink/models/expert-small --worker-type cpu-2core --out expert-small.json
# Options: --option key=value (engine options, repeatable), --prompts FILE.jsonl ("prompt" or "text" per line),
# --batch 8, --decode-tokens 64, --prefill-tokens 256, --max-output-tokens 512, --weight-mb / --kv-bytes-per-token
# (for engines without a Hugging Face path), --kv-budget-mb 1024.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh
moa_build integration-tests
cp=$(moa_classpath integration-tests)
exec java ${MOA_JAVA_OPTS:--Xmx4g} -Dai.djl.offline=true -Dlog4j2.configurationFile=deploy/log4j2-quiet.xml \
  -cp "integration-tests/target/classes:$cp" dev.moaflink.scheduler.profile.Profiler "$@"
