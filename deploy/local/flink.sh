#!/usr/bin/env bash
# deploy/local/flink.sh start | stop — a standalone Flink session cluster: one JobManager
# (StandaloneSessionClusterEntrypoint) and one TaskManager (TaskManagerRunner), each its own JVM, REST on
# localhost:${MOA_FLINK_REST_PORT:-8081}, Prometheus metrics at localhost:{9249,9250}/metrics (MOA_PROM_PORTS).
# Configuration in target/local/flink-conf/config.yaml.
source "$(dirname "$0")/env.sh"
CONF="$LOCAL/flink-conf"
PORT="${MOA_FLINK_REST_PORT:-8081}"
PROM_PORTS="${MOA_PROM_PORTS:-9249-9250}"
case "${1:-}" in
  start)
    mkdir -p "$CONF" "$LOCAL/checkpoints" "$LOCAL/savepoints"
    cat > "$CONF/config.yaml" <<YAML
jobmanager.rpc.address: localhost
jobmanager.rpc.port: 6123
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1024m
taskmanager.bind-host: localhost
taskmanager.host: localhost
taskmanager.memory.process.size: 3072m
taskmanager.numberOfTaskSlots: 2
taskmanager.memory.managed.size: 64m
rest.address: localhost
rest.bind-address: localhost
rest.port: $PORT
parallelism.default: 1
# the job's classes are on the cluster classpath (no flink-dist lib/): load them parent-first
classloader.resolve-order: parent-first
# State on the heap, checkpoints and savepoints as files (set state.backend.type: rocksdb and
# execution.checkpointing.incremental: true for very large state; the RocksDB backend is on the classpath)
state.backend.type: hashmap
execution.checkpointing.dir: file://$LOCAL/checkpoints
execution.checkpointing.savepoint-dir: file://$LOCAL/savepoints
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1 s
restart-strategy.exponential-delay.max-backoff: 30 s
restart-strategy.exponential-delay.attempts-before-reset-backoff: 20
# Prometheus metrics: the JobManager takes the first free port of the range, the TaskManager the next
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $PROM_PORTS
YAML
    # What flink-dist's jobmanager.sh / taskmanager.sh do: derive JVM flags and the resolved memory and CPU
    # settings from the configuration with Flink's BashJavaUtils (the processes refuse to start without them).
    params() {
      java -cp "$CP" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" 2>/dev/null \
        | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
    }
    jm=$(params GET_JM_RESOURCE_PARAMS); tm=$(params GET_TM_RESOURCE_PARAMS)
    jm_jvm=$(echo "$jm" | sed -n 1p); jm_dyn=$(echo "$jm" | sed -n 2p)
    tm_jvm=$(echo "$tm" | sed -n 1p); tm_dyn=$(echo "$tm" | sed -n 2p)
    # shellcheck disable=SC2086  # word splitting of the generated flags is intended
    nohup java $jm_jvm $JAVA_OPTS -cp "$CP" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
      --configDir "$CONF" $jm_dyn > "$LOCAL/jobmanager.log" 2>&1 &
    echo $! > "$LOCAL/jobmanager.pid"
    # shellcheck disable=SC2086
    nohup java $tm_jvm $JAVA_OPTS -cp "$CP" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
      --configDir "$CONF" $tm_dyn > "$LOCAL/taskmanager.log" 2>&1 &
    echo $! > "$LOCAL/taskmanager.pid"
    if ! wait_for "curl -sf http://localhost:$PORT/taskmanagers | grep -q '\"slotsNumber\":2'" 90; then
      echo "flink did not start; see $LOCAL/jobmanager.log and taskmanager.log" >&2
      tail -n 20 "$LOCAL/jobmanager.log" "$LOCAL/taskmanager.log" >&2; exit 1
    fi
    echo "flink session cluster up: http://localhost:$PORT (1 TaskManager, 2 slots); Prometheus metrics on ports $PROM_PORTS"
    ;;
  stop)
    stop_pid_file "$LOCAL/taskmanager.pid"; stop_pid_file "$LOCAL/jobmanager.pid"; echo "flink stopped" ;;
  *) echo "usage: $0 start | stop" >&2; exit 2 ;;
esac
