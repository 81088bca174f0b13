#!/usr/bin/env bash
# Draws per-query Gantt charts from an answers file (JSON lines, as batch mode writes them) into one HTML page:
#   deploy/timeline.sh ANSWERS.jsonl [--out page.html] [--queries N] [--ids q1,q2]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh
moa_build deploy
cp=$(moa_classpath deploy)
exec java -cp "deploy/target/classes:$cp" dev.moaflink.deploy.Timeline "$@"
