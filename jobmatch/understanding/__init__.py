"""Offer rewriting, CV synthesis and grounded match explanations: deterministic facts first,
the LLM only for wording, every generated sentence checked against the evidence."""
