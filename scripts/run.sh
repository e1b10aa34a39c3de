#!/usr/bin/env bash
# One command: set everything up and run the assistant on the embedded defaults.
#   backend (SQLite), action server, Rasa (REST + socket.io), web chat page.
# Prints the URL to open; Ctrl-C stops everything.
#   scripts/run.sh cluster: several Rasa instances behind HAProxy (scripts/cluster.py, make run-cluster)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export RASA_TELEMETRY_ENABLED=false

bash scripts/bootstrap.sh all
# the bot's vocabulary (jieba dictionary, lookup tables) is generated from knowledge/
.venv-bot/bin/python -m knowledge.generate
if [ "${1:-}" = cluster ]; then
  exec .venv-bot/bin/python scripts/cluster.py run
fi
exec .venv-bot/bin/python scripts/stack.py run
