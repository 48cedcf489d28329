#!/usr/bin/env bash
# Issue 16's "8× gogstash" side by side: gogstash with gogstash.yml, and
# ingestd on its shipped default config (no -c; INGESTD_ES_HOSTS at the
# bench sink, compression as shipped), alternating ROUNDS times. Each run
# sends EVENTS pipe-format corpus events over 20 connections and reports
# events/s from the first batch sent until the sink holds them all, CPU s
# per 1M events (the server's /proc stat) and peak RSS.
#
#   go install github.com/tsaikd/gogstash@latest     # GOBIN on PATH, or GOGSTASH=path
#   integration/bench/gogstash/vs.sh ./ingestd
#
# PREBUILT=1 has the load generator encode and compress every batch with
# go-lumber before its clock starts and replay those bytes: on a small
# machine the generator's own compression otherwise takes CPU both
# servers need.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 ingestd-binary" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
ingestd=$(realpath "$1")
gogstash=${GOGSTASH:-$(command -v gogstash)}
cd "$here/../../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/ingestd-bench" ./cmd/ingestd-bench
corpus=$(realpath "${CORPUS:-../shared/corpus/applog/events.jsonl}")
n=${EVENTS:-300000}

one() { # one WHICH
  "$work/ingestd-bench" sink --listen 127.0.0.1:17592 --every 50ms > "$work/sink.log" 2>&1 & local spid=$!
  sleep 0.3
  if [ "$1" = gogstash ]; then
    "$gogstash" --config "$here/gogstash.yml" > "$work/server.log" 2>&1 & pid=$!
  else
    INGESTD_DATA_DIR="$work/data" INGESTD_HTTP_LISTEN=127.0.0.1:17600 INGESTD_ES_HOSTS=http://127.0.0.1:17592 \
      INGESTD_BEATS_LISTEN=127.0.0.1:17544 "$ingestd" run > "$work/server.log" 2>&1 & pid=$!
  fi
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/17544) 2>/dev/null && break; sleep 0.1; done
  local start end sent docs
  "$work/ingestd-bench" load --addr 127.0.0.1:17544 --conns 20 --events "$n" --corpus "$corpus" ${PREBUILT:+--prebuilt} > "$work/load.log" 2>&1
  sent=$(grep -o '^[0-9]* events' "$work/load.log" | cut -d' ' -f1)
  start=$(sed -n 's/^clock started at //p' "$work/load.log")
  until docs=$(tail -1 "$work/sink.log" | cut -d' ' -f1); [ "${docs:-0}" -ge "$sent" ]; do sleep 0.05; done
  end=$(date +%s.%N)
  read -r ut st < <(awk '{print $14, $15}' "/proc/$pid/stat")
  local hwm; hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  kill "$pid" "$spid"; wait "$pid" "$spid" 2>/dev/null || true
  local tck; tck=$(getconf CLK_TCK)
  echo "$1: $sent events, $(echo "$sent / ($end - $start)" | bc) events/s, $(echo "scale=2; ($ut + $st) / $tck * 1000000 / $sent" | bc) CPU s per 1M, peak RSS $((hwm / 1024)) MB"
}
for _ in $(seq "${ROUNDS:-3}"); do
  one gogstash
  one "$ingestd"
done
