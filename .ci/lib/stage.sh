# shellcheck shell=bash
# One CI stage, for .ci/run and the parts: a name and a command, its exit status and time on screen, and a line in
# STAGE_SUMMARY for `stage_summary`. With --budget, the command runs under `timeout`, so a hang fails that stage with
# its output on screen instead of silently eating the whole run (`timeout` signals the stage's whole process group);
# a budget needs a command, not a shell function, as timeout runs it.
#   stage [--budget MINUTES] NAME COMMAND...

STAGE_SUMMARY=()

stage() {
  local minutes='' name started=$SECONDS status=0
  if [ "$1" = --budget ]; then
    minutes=$2
    shift 2
  fi
  name=$1
  shift
  if [ -n "$minutes" ]; then
    echo "== $name (budget ${minutes} min)"
    timeout --kill-after=60 "${minutes}m" "$@" || status=$?
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
      echo "== $name: over its ${minutes}-minute budget, stopped" >&2
    fi
  else
    echo "== $name"
    "$@" || status=$?
  fi
  local took=$((SECONDS - started))
  echo "== $name: exit $status after $took s"
  if [ "$status" -eq 0 ]; then
    STAGE_SUMMARY+=("PASS  ${took}s  $name")
  else
    STAGE_SUMMARY+=("FAIL  ${took}s  $name (exit $status)")
  fi
  return "$status"
}

# One line per stage run so far: PASS or FAIL, seconds, name.
stage_summary() {
  [ ${#STAGE_SUMMARY[@]} -eq 0 ] || printf '%s\n' "${STAGE_SUMMARY[@]}"
}

# A part's budget in minutes, from its `# budget: N` header line; nothing if it declares none.
stage_budget() {
  sed -n 's/^# budget: \([0-9][0-9]*\)\b.*/\1/p' "$1" | head -1
}
