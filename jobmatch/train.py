"""The ``python -m jobmatch.train`` entry point of :mod:`jobmatch.matching.train`."""

from jobmatch.matching.train import main

if __name__ == "__main__":
    raise SystemExit(main())
