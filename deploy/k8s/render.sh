#!/usr/bin/env bash
# Renders deploy/k8s/*.yaml: deploy/k8s/render.sh [--plan plan.json] [--gpus-per-worker N] [--workers N]
#   [--image IMAGE] [--namespace NS] [--out DIR]   (defaults: 1 worker, 1 GPU each, namespace moa, out deploy/k8s)
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/lib.sh
moa_build deploy
cp=$(moa_classpath deploy)
exec java -cp "deploy/target/classes:$cp" dev.moaflink.deploy.K8sManifests --out deploy/k8s "$@"
