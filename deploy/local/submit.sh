#!/usr/bin/env bash
# deploy/local/submit.sh [--savepoint PATH] [job options...] — submits the job jar
# (flink-job/target/moa-flink-job-VERSION.jar) to the local session cluster through Flink's CLI
# (`flink run -d [-s PATH] -c dev.moaflink.job.MoaJob JAR ...`, on the cluster's lib/) and prints its job id.
# --savepoint resumes the job from a savepoint (an upgrade: the new job's options may differ where state allows).
# Defaults: the local broker's topics when it runs (batch runs need none), the simulated models (--preset sim; pass
# --preset '' for the bundled DJL models), one transactional id prefix per cluster (a job resumed from a savepoint
# keeps its Kafka transactions).
# Extra options go to the job (--key value).
source "$(dirname "$0")/env.sh"
local_build
jar=$(job_jar)
[ -f "$LOCAL/tx.prefix" ] || echo "moa-local-$(date +%s)" > "$LOCAL/tx.prefix"
args=(--preset sim --kafka.starting_offsets earliest --kafka.transactional_id_prefix "$(cat "$LOCAL/tx.prefix")")
if [ -f "$LOCAL/kafka.bootstrap" ]; then args+=(--kafka.bootstrap_servers "$(cat "$LOCAL/kafka.bootstrap")"); fi
if [ "${1:-}" = "--preset" ] && [ -z "${2:-}" ]; then args=("${args[@]:2}"); shift 2; fi
run=(run -d)
rest=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--savepoint" ]; then run+=(-s "$2"); shift 2; else rest+=("$1"); shift; fi
done
out=$(flink_cli "${run[@]}" -c dev.moaflink.job.MoaJob "$jar" "${args[@]}" "${rest[@]}" 2>&1) \
  || { echo "$out" >&2; exit 1; }
echo "$out" | grep -o 'JobID [0-9a-f]\{32\}' | awk '{print $2}' | tee "$LOCAL/job.id"
