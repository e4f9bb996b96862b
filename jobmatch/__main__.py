"""``python -m jobmatch``: see :mod:`jobmatch.cli`."""

from jobmatch.cli import main

raise SystemExit(main())
