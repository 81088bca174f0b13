#!/usr/bin/env bash
# deploy/local/submit.sh [job options...] — submits the job jar (flink-job/target/moa-flink-job-VERSION.jar) to the
# local session cluster through Flink's CLI (`flink run -d -c dev.moaflink.job.MoaJob JAR ...`, on the cluster's
# lib/) and prints its job id. Defaults: the local broker's topics, the simulated models (--preset sim; pass
# --preset '' for the bundled DJL models). Extra options go to the job (--key value).
source "$(dirname "$0")/env.sh"
local_build
jar=$(job_jar)
bootstrap="$(cat "$LOCAL/kafka.bootstrap")"
args=(--preset sim --kafka.bootstrap_servers "$bootstrap" --kafka.starting_offsets earliest
      --kafka.transactional_id_prefix "moa-local-$(date +%s)")
if [ "${1:-}" = "--preset" ] && [ -z "${2:-}" ]; then args=("${args[@]:2}"); shift 2; fi
out=$(flink_cli run -d -c dev.moaflink.job.MoaJob "$jar" "${args[@]}" "$@" 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out" | grep -o 'JobID [0-9a-f]\{32\}' | awk '{print $2}' | tee "$LOCAL/job.id"
