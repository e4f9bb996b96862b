"""jobmatch: local-first matching of CVs and job offers.

The package never imports Streamlit: every stage is a plain function or class usable from the
CLI (``python -m jobmatch``), the tests and the app's pages alike.
"""

__version__ = "0.1.0"
