#!/bin/sh
# Copies the legacy pattern files from the vjeantet/grok module (see README.md).
set -e
cd "$(dirname "$0")"
dir=$(go list -m -f '{{.Dir}}' github.com/vjeantet/grok)
for f in "$dir"/patterns/*; do cp "$f" .; chmod 644 "$(basename "$f")"; done
