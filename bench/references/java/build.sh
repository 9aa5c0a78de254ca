#!/usr/bin/env bash
# Builds the istio-tutorial Java references (Spring Boot jars, Quarkus JVM apps) into bench/out/java with Maven Central only; skips when up to date.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${JAVA_REFS_OUT:-$(cd "$here/../../.." && pwd)/bench/out/java}
stamp="$out/.built"

# What the jars are built from: every vendored file and this script. Same hash, same jars: nothing to do.
hash=$(cd "$here" && find . -type f \( -name '*.java' -o -name '*.xml' -o -name '*.properties' -o -name build.sh \) -print0 |
  sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  echo "java references up to date in $out"
  exit 0
fi

command -v mvn >/dev/null || { echo "mvn not found (Maven 3.8+ and a JDK 17 build these)" >&2; exit 1; }
command -v java >/dev/null || { echo "java not found (JDK 17)" >&2; exit 1; }
mkdir -p "$out"
rm -f "$stamp"
# Maven Central only: an empty settings file, so no mirror or repository from ~/.m2/settings.xml comes in; -B for plain
# logs. Tests are not vendored (they need a cluster or a running chain), so none run.
settings="$out/settings.xml"
printf '<settings/>\n' >"$settings"
mvn -B -q -s "$settings" -f "$here/pom.xml" -Drefs.dir="$out" -DskipTests package
echo "$hash" >"$stamp"
echo "java references built in $out"
