#!/usr/bin/env bash
# deploy/local/cancel.sh [JOB_ID] — stops the job with a savepoint (Flink's "stop": sources end, a final
# savepoint is taken, the Kafka transactions commit) and prints the savepoint path. Default: the last submitted job.
source "$(dirname "$0")/env.sh"
job="${1:-$(cat "$LOCAL/job.id")}"
out=$(flink_cli stop --savepointPath "file://$LOCAL/savepoints" "$job" 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out" | grep -o 'file:[^ ]*savepoint[^ ]*' | tail -1
