#!/usr/bin/env bash
# Set up (first run only) and run the whole test suite; extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# PostgreSQL for the storage tests: started here when we may install it, else those tests skip.
if [ -z "${JOBMATCH_TEST_POSTGRES_URL:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  JOBMATCH_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) && export JOBMATCH_TEST_POSTGRES_URL \
    || echo "PostgreSQL could not be started: its tests will skip." >&2
fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
