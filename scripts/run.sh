#!/usr/bin/env bash
# Installs what is missing, builds asof (Release, build/), and runs asofd in the
# foreground with its embedded defaults: native protocol on 127.0.0.1:7070, HTTP API on
# 127.0.0.1:7071, data in ./asof-data. Extra arguments go to asofd (see build/server/asofd --help).
# Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
cat <<MSG

  asofd is starting: native protocol on 127.0.0.1:7070, HTTP API on 127.0.0.1:7071
  (data in ./asof-data). In another terminal:
    build/tools/asof/asof                 # the interactive shell
    build/tools/asof/asof -c ping         # one command
    curl http://127.0.0.1:7071/healthz    # the HTTP API (docs/api.md)
  Ctrl-C here stops asofd.

MSG
exec build/server/asofd "$@"
