#!/usr/bin/env bash
# deploy/local/e2e.sh — end to end on real processes: a KRaft broker, a standalone Flink session cluster
# (JobManager + TaskManager JVMs), the job submitted through Flink's CLI, 20 sample queries produced, their
# answers read back with read_committed (exactly one each), the answers counter checked on the Prometheus
# endpoint, the job stopped with a savepoint, everything stopped.
# Exit status 0 only if every step worked. Options: --preset '' runs the bundled DJL models instead of sim.
source "$(dirname "$0")/env.sh"
here="$ROOT/deploy/local"
cleanup() { "$here/flink.sh" stop >/dev/null 2>&1 || true; "$here/kafka.sh" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$here/kafka.sh" start "${MOA_KAFKA_PORT:-19092}"
"$here/flink.sh" start
job=$("$here/submit.sh" "$@")
echo "submitted job $job"
bootstrap="$(cat "$LOCAL/kafka.bootstrap")"
java $JAVA_OPTS -cp "$CP" dev.moaflink.deploy.QueriesCli produce --bootstrap "$bootstrap" --topic moa.queries --samples
java $JAVA_OPTS -cp "$CP" dev.moaflink.deploy.QueriesCli consume --bootstrap "$bootstrap" --topic moa.answers \
  --expect 20 --samples --timeout-s 180
# The job's metrics through Flink's Prometheus reporter: the answers counter (summed over subtasks) reads 20.
prom_ports="${MOA_PROM_PORTS:-9249-9250}"
answers_metric() {
  for p in $(seq "${prom_ports%-*}" "${prom_ports#*-}"); do curl -s "http://localhost:$p/metrics" || true; done \
    | awk '/^flink_taskmanager_job_task_operator_topology_answers\{/ { s += $NF } END { printf "%d", s }'
}
if ! wait_for '[ "$(answers_metric)" = 20 ]' 30; then
  echo "Prometheus answers metric reads '$(answers_metric)', expected 20" >&2; exit 1
fi
echo "Prometheus: topology_answers = 20"
savepoint=$("$here/cancel.sh" "$job")
[ -n "$savepoint" ] || { echo "no savepoint path from stop" >&2; exit 1; }
echo "job stopped with savepoint $savepoint"
echo "E2E OK"
