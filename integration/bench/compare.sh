#!/usr/bin/env bash
# Compares ingestd binaries side by side on this noisy machine: runs the
# harness scenario with each binary in turn, ROUNDS times, so every binary
# sees the same minutes. Prints one line per run: events/s, ingestd CPU
# seconds per 1M events, peak RSS. Extra harness flags go in BENCH_FLAGS.
#
#   integration/bench/compare.sh /tmp/old-ingestd /tmp/new-ingestd
#   ROUNDS=5 BENCH_FLAGS="--prebuilt --conns 20" integration/bench/compare.sh old new
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ingestd-binary ingestd-binary [...]" >&2; exit 2; }
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/ingestd-bench" ./cmd/ingestd-bench
corpus=${CORPUS:-../shared/corpus/applog/events.jsonl}
for round in $(seq "${ROUNDS:-3}"); do
  for bin in "$@"; do
    r=$("$out/ingestd-bench" run --ingestd "$bin" --events "${EVENTS:-1000000}" --corpus "$corpus" ${BENCH_FLAGS:-} 2>&1) || { echo "$bin: $r" >&2; exit 1; }
    printf '%s round %d: %s, %s, %s\n' "$bin" "$round" \
      "$(grep -o '[0-9]* events/s' <<<"$r")" \
      "$(grep -o '[0-9.]* s per 1M' <<<"$r")" \
      "$(grep -o 'RSS: *[0-9.]* MB' <<<"$r" | tr -s ' ')"
  done
done
