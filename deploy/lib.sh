# Shared by the deploy/ scripts. Builds a module and what it depends on (tests skipped), and prints its
# runtime classpath. Maven runs quietly; set MOA_OFFLINE=1 to build offline.
moa_mvn() {
  mvn -B -q -Dstyle.color=never ${MOA_OFFLINE:+-o} "$@"
}

moa_build() {
  echo "Building $1 (mvn install -DskipTests)..." >&2
  moa_mvn install -DskipTests -pl "$1" -am >&2
}

moa_classpath() {
  local out status=0
  out=$(mktemp)
  moa_mvn dependency:build-classpath -pl "$1" -Dmdep.outputFile="$out" -Dmdep.includeScope=runtime >&2 || status=$?
  cat "$out"
  rm -f "$out"
  # A failed resolution must stop the caller, not start a JVM on an empty classpath.
  return $status
}
