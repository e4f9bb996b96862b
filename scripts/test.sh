#!/usr/bin/env bash
# Set up (first run only) and run the whole test suite; extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# Debian's Chromium and its driver for the browser tests (Selenium), installed when we may.
if ! command -v chromedriver >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing chromium and chromium-driver…" >&2
  apt-get update -qq >&2 && apt-get install -y -qq chromium chromium-driver >&2 \
    || { echo "Chromium could not be installed: browser tests will skip." >&2; [ "${CI:-}" != true ]; }
fi
# PostgreSQL for the storage tests: started here when we may install it, else those tests skip.
if [ -z "${JOBMATCH_TEST_POSTGRES_URL:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  JOBMATCH_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) && export JOBMATCH_TEST_POSTGRES_URL \
    || { echo "PostgreSQL could not be started: its tests will skip." >&2; [ "${CI:-}" != true ]; }
fi
.venv/bin/ruff check . && .venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
