#!/bin/sh
# Copies the pattern sets (see README.md):
#   patterns/gen.sh ~/src/logstash-patterns-core
set -e
src=${1:?usage: gen.sh PATH-TO-logstash-patterns-core}
cd "$(dirname "$0")"
vj=$(go list -m -f '{{.Dir}}' github.com/vjeantet/grok)
rm -f legacy/* ecs-v1/*
cp "$vj"/patterns/* legacy/
cp "$src"/patterns/ecs-v1/* ecs-v1/
chmod 644 legacy/* ecs-v1/*
echo "ecs-v1 from $(git -C "$src" log --oneline -1)"
