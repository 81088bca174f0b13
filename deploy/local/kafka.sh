#!/usr/bin/env bash
# deploy/local/kafka.sh start [PORT] | stop — a single-node KRaft broker (in its own JVM) with the job's topics
# moa.queries, moa.answers, moa.dead-letters. Writes target/local/kafka.{pid,log,bootstrap}.
source "$(dirname "$0")/env.sh"
case "${1:-}" in
  start)
    local_build
    port="${2:-9092}"
    if [ -f "$LOCAL/kafka.pid" ] && kill -0 "$(cat "$LOCAL/kafka.pid")" 2>/dev/null; then
      echo "kafka already running (pid $(cat "$LOCAL/kafka.pid"))"; exit 0
    fi
    nohup java -Xmx1g $JAVA_OPTS -cp "$CP" dev.moaflink.kafka.embedded.EmbeddedKafka "$port" --daemon \
      --topics moa.queries,moa.answers,moa.dead-letters --partitions 2 > "$LOCAL/kafka.log" 2>&1 &
    echo $! > "$LOCAL/kafka.pid"
    if ! wait_for "grep -q '^bootstrap.servers=' '$LOCAL/kafka.log'" 60; then
      echo "kafka did not start; see $LOCAL/kafka.log" >&2; tail -n 20 "$LOCAL/kafka.log" >&2; exit 1
    fi
    grep '^bootstrap.servers=' "$LOCAL/kafka.log" | cut -d= -f2 > "$LOCAL/kafka.bootstrap"
    echo "kafka up at $(cat "$LOCAL/kafka.bootstrap") (pid $(cat "$LOCAL/kafka.pid"))"
    ;;
  stop)
    stop_pid_file "$LOCAL/kafka.pid"; echo "kafka stopped" ;;
  *) echo "usage: $0 start [PORT] | stop" >&2; exit 2 ;;
esac
