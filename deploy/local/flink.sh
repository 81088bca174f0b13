#!/usr/bin/env bash
# deploy/local/flink.sh start [TASKMANAGERS] | add-taskmanager | stop — a standalone Flink session cluster: one
# JobManager (StandaloneSessionClusterEntrypoint) and TASKMANAGERS TaskManagers (TaskManagerRunner, default 1, 2 slots
# each; add-taskmanager starts one more, e.g. to replace one that died),
# each its own JVM on the Flink home's lib/ alone (deploy/cluster-lib/target/flink, laid out like Flink's
# distribution), as a distribution's jobmanager.sh / taskmanager.sh start them. Jobs come through Flink's CLI
# (submit.sh) and load their classes child-first from their jar, Flink's default. Web UI and REST on
# localhost:${MOA_FLINK_REST_PORT:-8081}; Prometheus metrics on the ports in target/local/prom.ports (JobManager first,
# then each TaskManager; MOA_PROM_PORTS sets the range). Configuration in target/local/flink-conf/config.yaml,
# logs in target/local/{jobmanager,taskmanager-N}.log.
source "$(dirname "$0")/env.sh"
CONF="$LOCAL/flink-conf"
PORT="${MOA_FLINK_REST_PORT:-8081}"
# What a distribution's jobmanager.sh / taskmanager.sh do: derive JVM flags and the resolved memory and CPU settings
# from the configuration with Flink's BashJavaUtils (the processes refuse to start without them).
params() {
  java -cp "$FLINK_CP" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF" 2>/dev/null \
    | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}
jvm_opts="$OPENS -Dai.djl.offline=true $QUIET_LOG"
export FLINK_PLUGINS_DIR="$FLINK_HOME/plugins"
# Starts TaskManager number $1 (log.file: the web UI shows each process's log).
start_taskmanager() {
  local tm tm_jvm tm_dyn
  tm=$(params GET_TM_RESOURCE_PARAMS)
  tm_jvm=$(echo "$tm" | sed -n 1p); tm_dyn=$(echo "$tm" | sed -n 2p)
  # shellcheck disable=SC2086  # word splitting of the generated flags is intended
  nohup java $tm_jvm $jvm_opts -Dlog.file="$LOCAL/taskmanager-$1.log" -cp "$FLINK_CP" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$CONF" $tm_dyn \
    > "$LOCAL/taskmanager-$1.log" 2>&1 &
  echo $! > "$LOCAL/taskmanager-$1.pid"
}
taskmanager_ids() {
  curl -sf "http://localhost:$PORT/taskmanagers" | grep -o '"id":"[^"]*"' | sort
}
case "${1:-}" in
  start)
    local_build
    if curl -sf "http://localhost:$PORT/overview" >/dev/null 2>&1; then
      echo "a Flink cluster already answers on port $PORT (deploy/local/flink.sh stop)" >&2; exit 1
    fi
    tms="${2:-1}"
    # the JobManager, each TaskManager and one replacement take a port each
    prom_ports="${MOA_PROM_PORTS:-9249-$((9250 + tms))}"
    mkdir -p "$CONF" "$LOCAL/checkpoints" "$LOCAL/savepoints"
    rm -f "$LOCAL/tx.prefix" # a fresh cluster's jobs get a fresh transactional id prefix (submit.sh)
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
# A job's subtasks spread over the TaskManagers (each its own machine in a real cluster) rather than filling one
taskmanager.load-balance.mode: slots
# Flink's settings the job leaves to the cluster: exactly-once answers become visible at checkpoints, and a 5 ms
# network flush keeps each hop's latency low (Flink's default is 100 ms)
execution.checkpointing.interval: 1 s
execution.buffer-timeout.interval: 5 ms
# JVM options of every Flink process: the JDK 17 opens Flink needs, and DJL kept offline (its PyTorch natives
# come from the jars in lib/)
env.java.default-opts.all: $OPENS
env.java.opts.all: -Dai.djl.offline=true
# State on the heap, checkpoints and savepoints as files (set state.backend.type: rocksdb and
# execution.checkpointing.incremental: true for very large state; the RocksDB backend is in lib/)
state.backend.type: hashmap
execution.checkpointing.dir: file://$LOCAL/checkpoints
execution.checkpointing.savepoint-dir: file://$LOCAL/savepoints
# A TaskManager that dies is noticed within seconds, not the default 50 (a local cluster's processes are near)
heartbeat.interval: 2 s
heartbeat.timeout: 10 s
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1 s
restart-strategy.exponential-delay.max-backoff: 30 s
restart-strategy.exponential-delay.attempts-before-reset-backoff: 20
# Prometheus metrics (plugins/metrics-prometheus): each process takes the next free port of the range
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $prom_ports
YAML
    echo "$prom_ports" > "$LOCAL/prom.ports"
    jm=$(params GET_JM_RESOURCE_PARAMS)
    jm_jvm=$(echo "$jm" | sed -n 1p); jm_dyn=$(echo "$jm" | sed -n 2p)
    # shellcheck disable=SC2086  # word splitting of the generated flags is intended
    nohup java $jm_jvm $jvm_opts -Dlog.file="$LOCAL/jobmanager.log" -cp "$FLINK_CP" \
      org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$CONF" $jm_dyn \
      > "$LOCAL/jobmanager.log" 2>&1 &
    echo $! > "$LOCAL/jobmanager.pid"
    for i in $(seq 1 "$tms"); do
      start_taskmanager "$i"
    done
    if ! wait_for "curl -sf http://localhost:$PORT/overview | grep -q '\"taskmanagers\":$tms,'" 90; then
      echo "flink did not start; see $LOCAL/jobmanager.log and taskmanager-*.log" >&2
      tail -n 20 "$LOCAL/jobmanager.log" "$LOCAL"/taskmanager-*.log >&2; exit 1
    fi
    echo "flink session cluster up: http://localhost:$PORT ($tms TaskManager(s), 2 slots each);" \
      "Prometheus metrics on ports $prom_ports"
    ;;
  add-taskmanager)
    taskmanager_ids > "$LOCAL/taskmanagers.before"
    n=1
    while [ -e "$LOCAL/taskmanager-$n.pid" ] || [ -e "$LOCAL/taskmanager-$n.log" ]; do n=$((n + 1)); done
    start_taskmanager "$n"
    # registered when an id the cluster did not know before appears
    if ! wait_for "taskmanager_ids | comm -13 '$LOCAL/taskmanagers.before' - | grep -q ." 90; then
      echo "TaskManager $n did not register; see $LOCAL/taskmanager-$n.log" >&2; exit 1
    fi
    echo "TaskManager $n up"
    ;;
  stop)
    for f in "$LOCAL"/taskmanager*.pid; do [ -e "$f" ] && stop_pid_file "$f"; done
    stop_pid_file "$LOCAL/jobmanager.pid"; echo "flink stopped" ;;
  *) echo "usage: $0 start [TASKMANAGERS] | add-taskmanager | stop" >&2; exit 2 ;;
esac
