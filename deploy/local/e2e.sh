#!/usr/bin/env bash
# deploy/local/e2e.sh — end to end on real processes, as a Flink user runs the job:
#  1. a KRaft broker and a standalone Flink session cluster of a JobManager and two TaskManager JVMs on Flink's jars
#     alone; the shaded job jar submitted through Flink's CLI (loaded child-first) with a placement plan whose workers
#     land on different TaskManagers, early exit and a settled bypass on (deploy/local/e2e-job.yaml, e2e-plan.json);
#     Flink's web UI and the job's configuration read over REST;
#  2. queries answered exactly once with complete traces, stopped nodes among them, every stop sent to another
#     TaskManager received there (Prometheus counters), and the answers equal to a one-JVM reference run;
#  3. a savepoint upgrade: the job stopped with a savepoint while queries are in flight, submitted again from it with
#     another bypass threshold, and every query before, during and after answered exactly once;
#  4. a TaskManager killed (kill -9) while queries are in flight and a replacement started: every query answered
#     exactly once with a complete trace;
#  5. the job stopped with a savepoint;
#  6. a batch run (file in, output directory out, Flink's FileSink) on the cluster at parallelism 4, a TaskManager
#     killed in the middle and replaced: every input line answered or dead-lettered exactly once in the committed
#     output, and the summary the job wrote counts the same.
# Exit status 0 only if every step worked.
source "$(dirname "$0")/env.sh"
local_build
here="$ROOT/deploy/local"
work="$LOCAL/e2e"
rm -rf "$work"; mkdir -p "$work"
cleanup() { "$here/flink.sh" stop >/dev/null 2>&1 || true; "$here/kafka.sh" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
fail() { echo "E2E FAILED: $*" >&2; exit 1; }
"$here/kafka.sh" start "${MOA_KAFKA_PORT:-19092}"
"$here/flink.sh" start 2
bootstrap="$(cat "$LOCAL/kafka.bootstrap")"
rest="http://localhost:${MOA_FLINK_REST_PORT:-8081}"
job_args=(--config "$here/e2e-job.yaml" --placement "$here/e2e-plan.json")
cli() { java $JAVA_OPTS -cp "$CP" dev.moaflink.deploy.QueriesCli "$@"; }

# Query files: batch b of 60 arithmetic questions, and every batch up to b (the ids that must be answered by then).
for b in 1 2 3 4; do
  for i in $(seq $(( (b - 1) * 60 )) $(( b * 60 - 1 ))); do
    x=$(( i * 7 % 90 + 10 )); y=$(( i * 13 % 80 + 5 ))
    echo "{\"id\":\"e2e-$i\",\"text\":\"What is $x + $y?\",\"task_type\":\"numeric\",\"gold\":\"$((x + y))\"}"
  done > "$work/batch-$b.jsonl"
  cat "$work"/batch-[1-$b].jsonl > "$work/upto-$b.jsonl"
done
# Reads every answer so far (read_committed) and checks: exactly one per query of upto-$1, complete traces.
answers_upto() {
  cli consume --bootstrap "$bootstrap" --topic moa.answers --expect $(( $1 * 60 )) --ids-from "$work/upto-$1.jsonl" \
    --trace-nodes 4 --timeout-s 240 --out "$work/answers-$1.jsonl"
}
prom_ports="$(cat "$LOCAL/prom.ports")"
# The sum of a Prometheus metric over every process of the cluster (JobManager and TaskManagers).
metric() {
  for p in $(seq "${prom_ports%-*}" "${prom_ports#*-}"); do curl -s "http://localhost:$p/metrics" || true; done \
    | awk -v m="$1" '$1 ~ "^"m"({|$)" { s += $NF } END { printf "%d", s }'
}

# 1. Submitted with the placement plan; web UI and configuration over REST.
job=$("$here/submit.sh" "${job_args[@]}")
echo "submitted job $job"
curl -sf "$rest/" | grep -q '<title>Apache Flink Web Dashboard</title>' || fail "no web dashboard at $rest/"
echo "web UI: $rest/"
job_user_config() { curl -sf "$rest/jobs/$job/config" | grep -o '"user-config":{[^}]*}'; }
wait_for job_user_config 30 || true
user_config=$(job_user_config || true)
echo "$user_config" | grep -q '"default_topology":"cluster3"' \
  || fail "the job's user-config lacks default_topology: ${user_config:-none}"
echo "job configuration over REST: $(echo "$user_config" | grep -o '"default_topology":"[^"]*"')"
# Where each operator runs: the plan's workers must span both TaskManagers.
wait_for "curl -sf $rest/jobs/$job | grep -q '\"status\":\"RUNNING\"'" 60 || fail "job $job is not running"
tms=$(for v in $(curl -sf "$rest/jobs/$job" | grep -o '"id":"[0-9a-f]\{32\}","slotSharingGroupId"\|"id":"[0-9a-f]\{32\}","name"' \
        | grep -o '[0-9a-f]\{32\}'); do
        curl -sf "$rest/jobs/$job/vertices/$v/taskmanagers" | grep -o '"taskmanager-id":"[^"]*"'
      done | sort -u | wc -l)
[ "$tms" -ge 2 ] || fail "the job's operators run on $tms TaskManager(s), not two"
echo "operators on $tms TaskManagers"

# 2. Answers exactly once with complete traces; stops across TaskManagers all received; a one-JVM reference agrees.
cli produce --bootstrap "$bootstrap" --topic moa.queries --file "$work/batch-1.jsonl"
answers_upto 1
sent=$(metric flink_taskmanager_job_task_operator_stopsRemote)
wait_for "[ \"\$(metric flink_taskmanager_job_task_operator_stopsReceived)\" -ge $sent ]" 30 || true
received=$(metric flink_taskmanager_job_task_operator_stopsReceived)
unroutable=$(metric flink_jobmanager_job_operator_coordinator_stopsUnroutable)
echo "stops to other TaskManagers: sent $sent, received $received, unroutable $unroutable"
[ "$sent" -gt 0 ] || fail "no stop went to another TaskManager"
[ "$received" = "$sent" ] && [ "$unroutable" = 0 ] || fail "stops were missed"
# How long they took, decision to the agent's cancel (the agents' stopLatencyUs, the busiest agent's quantiles).
quantile() {
  for p in $(seq "${prom_ports%-*}" "${prom_ports#*-}"); do curl -s "http://localhost:$p/metrics" || true; done \
    | awk -v q="$1" '$1 ~ /^flink_taskmanager_job_task_operator_stopLatencyUs\{/ && $1 ~ "quantile=\""q"\"" \
        { if ($NF > m) m = $NF } END { printf "%.0f", m / 1000 }'
}
echo "stop latency across TaskManagers: p50 $(quantile 0.5) ms, p99 $(quantile 0.99) ms"
# The reference: the same job in one JVM (a local MiniCluster, no placement), batch mode over the same queries.
java $JAVA_OPTS -cp "$CP" dev.moaflink.job.MoaJob --config "$here/e2e-job.yaml" --mode batch --parallelism 1 \
  --batch.input "$work/batch-1.jsonl" --batch.output "$work/reference-1" > "$work/reference.log" 2>&1 \
  || { tail -20 "$work/reference.log" >&2; fail "the reference run failed"; }
cli compare --answers "$work/answers-1.jsonl" --reference "$work/reference-1"

# 3. Savepoint upgrade: stop with a savepoint while batch 2 is in flight, resume it with another bypass threshold.
cli produce --bootstrap "$bootstrap" --topic moa.queries --file "$work/batch-2.jsonl"
savepoint=$("$here/cancel.sh" "$job")
[ -n "$savepoint" ] || fail "no savepoint path from stop"
echo "stopped with savepoint $savepoint while batch 2 was in flight"
job=$("$here/submit.sh" "${job_args[@]}" --mechanisms.bypass_threshold 1 --savepoint "$savepoint")
echo "resumed from it as job $job, bypass threshold 1"
cli produce --bootstrap "$bootstrap" --topic moa.queries --file "$work/batch-3.jsonl"
answers_upto 3

# 4. A TaskManager killed while batch 4 is in flight; a replacement started.
cli produce --bootstrap "$bootstrap" --topic moa.queries --file "$work/batch-4.jsonl"
victim="$LOCAL/taskmanager-2.pid"
kill -9 "$(cat "$victim")" && rm -f "$victim"
echo "killed TaskManager 2 (kill -9)"
"$here/flink.sh" add-taskmanager
answers_upto 4
# The job failed over (its exception history holds the lost TaskManager) and recovered from its last checkpoint.
failures=$(curl -sf "$rest/jobs/$job/exceptions" | grep -o '"exceptionName":"[^"]*"' | sort | uniq -c || true)
[ -n "$failures" ] || fail "the job recorded no failure: the TaskManager's death went unnoticed"
echo "the job failed over and recovered: $(echo "$failures" | head -3 | tr -s ' ' | tr '\n' ';')"

# 5. Stopped with a savepoint.
savepoint=$("$here/cancel.sh" "$job")
[ -n "$savepoint" ] || fail "no savepoint path from the final stop"
echo "job stopped with savepoint $savepoint"

# 6. Batch scoring on the cluster with a TaskManager killed in the middle.
for i in $(seq 0 899); do
  x=$(( i * 11 % 90 + 10 )); y=$(( i * 17 % 80 + 5 ))
  echo "{\"id\":\"batch-$i\",\"text\":\"What is $x + $y?\",\"task_type\":\"numeric\",\"gold\":\"$((x + y))\"}"
done > "$work/batch-queries.jsonl"
{ cat "$work/batch-queries.jsonl"; echo '{not json'; echo '{"id":"no-text"}'; } > "$work/batch-input.jsonl"
job=$("$here/submit.sh" --config "$here/e2e-job.yaml" --mode batch --batch.input "$work/batch-input.jsonl" \
  --batch.output "$work/batch-out" --parallelism 4 --agent.capacity 1)
echo "submitted batch job $job: 900 queries and 2 bad lines, parallelism 4"
processed() {
  curl -sf "$rest/jobs/$job/accumulators" | grep -o '"name":"moa-batch-[a-z-]*","type":"[A-Za-z]*","value":"[0-9]*"' \
    | grep -o '[0-9]*"$' | tr -d '"' | awk '{ s += $1 } END { printf "%d", s }'
}
# (the counters reach the REST API with the TaskManagers' heartbeats, every 10 s by default)
wait_for "[ \"\$(processed)\" -ge 100 ]" 120 || fail "the batch job did not get going: $(processed) lines processed"
at_kill=$(processed)
kill -9 "$(cat "$LOCAL/taskmanager-1.pid")" && rm -f "$LOCAL/taskmanager-1.pid"
echo "killed TaskManager 1 (kill -9) after $at_kill of 902 lines"
[ "$at_kill" -lt 902 ] || fail "the TaskManager was killed after the run had ended"
"$here/flink.sh" add-taskmanager
job_state() { curl -sf "$rest/jobs/$job" | grep -o '"state":"[A-Z]*"' | head -1; }
wait_for "job_state | grep -q FINISHED" 240 || fail "the batch job did not finish: $(job_state)"
failures=$(curl -sf "$rest/jobs/$job/exceptions" | grep -o '"exceptionName":"[^"]*"' | sort | uniq -c || true)
[ -n "$failures" ] || fail "the batch job recorded no failure: the TaskManager's death went unnoticed"
cli check-batch --output "$work/batch-out" --ids-from "$work/batch-queries.jsonl" --dead-letters 2
echo "E2E OK"
