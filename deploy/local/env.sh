# Shared by deploy/local/*.sh: builds the deploy module once and caches its runtime classpath, which holds
# everything a standalone Flink needs (flink-dist is not on Maven Central: flink-runtime, flink-clients and the
# job's own dependencies stand in for its lib/ directory).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="${MOA_LOCAL_DIR:-$ROOT/target/local}"
mkdir -p "$LOCAL"
cd "$ROOT"
source deploy/lib.sh
# Rebuilt when asked to, or when a pom.xml changed since (a stale classpath would miss a new module).
if [ ! -f "$LOCAL/classpath" ] || [ -n "${MOA_REBUILD:-}" ] \
   || [ -n "$(find . -name pom.xml -not -path '*/target/*' -newer "$LOCAL/classpath" | head -n 1)" ]; then
  moa_build deploy
  echo "deploy/target/classes:$(moa_classpath deploy)" > "$LOCAL/classpath"
fi
CP="$(cat "$LOCAL/classpath")"
# The module opens flink-dist's config.yaml passes every Flink JVM on JDK 17.
OPENS=""
for p in java.base/java.lang java.base/java.lang.reflect java.base/java.lang.invoke java.base/java.util \
         java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.net java.base/java.io \
         java.base/java.nio java.base/sun.nio.ch java.base/java.text java.base/java.time java.sql/java.sql; do
  OPENS="$OPENS --add-opens=$p=ALL-UNNAMED"
done
JAVA_OPTS="$OPENS --add-exports=java.base/sun.net.util=ALL-UNNAMED -Dai.djl.offline=true -Dlog4j2.configurationFile=$ROOT/deploy/log4j2-quiet.xml"

# Waits until "$1" (a command) succeeds, at most $2 seconds.
wait_for() {
  local cmd="$1" limit="$2" i=0
  until eval "$cmd" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt $((limit * 2)) ]; then return 1; fi
    sleep 0.5
  done
}

stop_pid_file() {
  local f="$1"
  if [ -f "$f" ]; then
    local pid; pid=$(cat "$f")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  fi
}
