#!/usr/bin/env bash
# Runs the performance scenarios against the real ingestd binary and prints
# events/s, ingestd CPU seconds per 1M events (from /proc), peak RSS,
# start-up time and batch latency for each. The load generator and the
# sink run on the same machine: on 2 cores they compete with ingestd.
#
#   integration/bench/run.sh            # all scenarios, 1M events each
#   EVENTS=300000 integration/bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/ingestd" ./cmd/ingestd
go build -o "$out/ingestd-bench" ./cmd/ingestd-bench
events=${EVENTS:-1000000}
corpus=${CORPUS:-../shared/corpus/applog/events.jsonl}
run() { echo "== $*"; "$out/ingestd-bench" run --ingestd "$out/ingestd" --events "$events" --corpus "$corpus" "$@"; }

for c in 1 2 8 32; do run --conns "$c"; done          # scaling with connections
for w in 1 2 4; do run --conns 8 --workers "$w"; done  # scaling with pipeline workers
run --conns 8 --sink-delay 50ms                        # a slow cluster
run --conns 8 --sink-delay 50ms --es-workers 16        # …with more concurrent bulk requests
run --conns 20                                         # the memory goal's connection count
