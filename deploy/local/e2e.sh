#!/usr/bin/env bash
# deploy/local/e2e.sh — end to end on real processes: a KRaft broker, a standalone Flink session cluster
# (JobManager + TaskManager JVMs on Flink's jars alone), the job jar submitted through Flink's CLI and loaded
# child-first, Flink's web UI and the job's configuration read over REST, 20 sample queries produced, their
# answers read back with read_committed (exactly one each), the answers counter checked on the Prometheus
# endpoint, the job stopped with a savepoint, everything stopped.
# Exit status 0 only if every step worked. Options: --preset '' runs the bundled DJL models instead of sim.
source "$(dirname "$0")/env.sh"
local_build
here="$ROOT/deploy/local"
cleanup() { "$here/flink.sh" stop >/dev/null 2>&1 || true; "$here/kafka.sh" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$here/kafka.sh" start "${MOA_KAFKA_PORT:-19092}"
"$here/flink.sh" start
job=$("$here/submit.sh" "$@")
echo "submitted job $job"
rest="http://localhost:${MOA_FLINK_REST_PORT:-8081}"
# Flink's web UI is served
curl -sf "$rest/" | grep -q '<title>Apache Flink Web Dashboard</title>' \
  || { echo "no web dashboard at $rest/" >&2; exit 1; }
echo "web UI: $rest/"
# The job's effective configuration is among its global job parameters (REST: execution-config.user-config)
job_user_config() { curl -sf "$rest/jobs/$job/config" | grep -o '"user-config":{[^}]*}'; }
wait_for job_user_config 30 || true
user_config=$(job_user_config || true)
echo "$user_config" | grep -q '"default_topology":' \
  || { echo "the job's user-config lacks default_topology: ${user_config:-none}" >&2; exit 1; }
echo "job configuration over REST: $(echo "$user_config" | grep -o '"default_topology":"[^"]*"')"
bootstrap="$(cat "$LOCAL/kafka.bootstrap")"
java $JAVA_OPTS -cp "$CP" dev.moaflink.deploy.QueriesCli produce --bootstrap "$bootstrap" --topic moa.queries --samples
java $JAVA_OPTS -cp "$CP" dev.moaflink.deploy.QueriesCli consume --bootstrap "$bootstrap" --topic moa.answers \
  --expect 20 --samples --timeout-s 180
# The job's metrics through Flink's Prometheus reporter: the answers counter (summed over subtasks) reads 20.
prom_ports="$(cat "$LOCAL/prom.ports")"
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
