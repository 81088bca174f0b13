# Shared by deploy/local/*.sh. What they run:
#  - the job jar, flink-job/target/moa-flink-job-VERSION.jar (shaded; what the cluster runs);
#  - a Flink home laid out like Flink's distribution, deploy/cluster-lib/target/flink: lib/ (Flink's published jars,
#    since flink-dist is not on Maven Central, plus the native libraries the job needs in the cluster's class loader)
#    and plugins/metrics-prometheus; the cluster's JVMs and Flink's CLI run on lib/ alone;
#  - the deploy module's classpath ($CP) for the client tools (the broker, QueriesCli): clients, not the cluster.
# local_build builds them when one is missing, when a pom.xml changed since, or when MOA_REBUILD is set.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="${MOA_LOCAL_DIR:-$ROOT/target/local}"
mkdir -p "$LOCAL"
cd "$ROOT"
source deploy/lib.sh
FLINK_HOME="$ROOT/deploy/cluster-lib/target/flink"
FLINK_CP="$FLINK_HOME/lib/*"
local_build() {
  if [ ! -f "$LOCAL/classpath" ] || [ ! -d "$FLINK_HOME/lib" ] || [ -n "${MOA_REBUILD:-}" ] \
     || ! ls flink-job/target/moa-flink-job-*.jar >/dev/null 2>&1 \
     || [ -n "$(find . -name pom.xml -not -path '*/target/*' -newer "$LOCAL/classpath" | head -n 1)" ]; then
    moa_build deploy,deploy/cluster-lib
    echo "deploy/target/classes:$(moa_classpath deploy)" > "$LOCAL/classpath"
  fi
  CP="$(cat "$LOCAL/classpath")"
}
CP="$(cat "$LOCAL/classpath" 2>/dev/null || true)"
# The module opens a Flink distribution's config.yaml passes every Flink JVM on JDK 17.
OPENS=""
for p in java.base/java.lang java.base/java.lang.reflect java.base/java.lang.invoke java.base/java.util \
         java.base/java.util.concurrent java.base/java.util.concurrent.atomic java.base/java.net java.base/java.io \
         java.base/java.nio java.base/sun.nio.ch java.base/java.text java.base/java.time java.sql/java.sql; do
  OPENS="$OPENS --add-opens=$p=ALL-UNNAMED"
done
OPENS="$OPENS --add-exports=java.base/sun.net.util=ALL-UNNAMED"
QUIET_LOG="-Dlog4j2.configurationFile=$ROOT/deploy/log4j2-quiet.xml"
JAVA_OPTS="$OPENS -Dai.djl.offline=true $QUIET_LOG"

# The job jar (the shaded one; original-*.jar next to it is the plain module jar).
job_jar() {
  local jar
  jar=$(ls -t "$ROOT"/flink-job/target/moa-flink-job-*.jar 2>/dev/null | head -n 1)
  [ -n "$jar" ] || { echo "no job jar in flink-job/target (run: mvn -B package -DskipTests)" >&2; return 1; }
  echo "$jar"
}

# Flink's command-line client (bin/flink of a distribution) on the cluster's lib/.
flink_cli() {
  FLINK_CONF_DIR="$LOCAL/flink-conf" java $JAVA_OPTS -cp "$FLINK_CP" org.apache.flink.client.cli.CliFrontend "$@"
}

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
