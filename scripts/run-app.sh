#!/usr/bin/env bash
# Set up (first run only) and open the app on the bundled demo data: http://localhost:8501
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec .venv/bin/streamlit run Home.py "$@"
