#!/usr/bin/env bash
# deploy/local/submit.sh [job options...] — submits the MoA job to the local session cluster through Flink's CLI
# front end (detached) and prints its job id. Defaults: the local broker's topics, the simulated models
# (--preset sim; pass --preset '' for the bundled DJL models). Extra options go to the job (--key value).
source "$(dirname "$0")/env.sh"
CONF="$LOCAL/flink-conf"
JAR="$ROOT/flink-job/target/moa-flink-job-0.1.0-SNAPSHOT.jar"
[ -f "$JAR" ] || { echo "no job jar at $JAR (run: mvn -B install -DskipTests)" >&2; exit 1; }
bootstrap="$(cat "$LOCAL/kafka.bootstrap")"
args=(--preset sim --kafka.bootstrap_servers "$bootstrap" --kafka.starting_offsets earliest
      --kafka.transactional_id_prefix "moa-local-$(date +%s)" --checkpoint_interval_ms 1000)
if [ "${1:-}" = "--preset" ] && [ -z "${2:-}" ]; then args=("${args[@]:2}"); shift 2; fi
out=$(FLINK_CONF_DIR="$CONF" java $JAVA_OPTS -cp "$CP" org.apache.flink.client.cli.CliFrontend run -d \
  -c dev.moaflink.job.MoaJob "$JAR" "${args[@]}" "$@" 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out" | grep -o 'JobID [0-9a-f]\{32\}' | awk '{print $2}' | tee "$LOCAL/job.id"
