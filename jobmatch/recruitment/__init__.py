"""The recruiter side: accounts and roles, published offers, applications ranked by the
matcher, generated tests, server-side grading and the dashboard's tables.

Every service function takes the acting :class:`~jobmatch.recruitment.accounts.User` and
enforces access itself: a candidate reaches only their own applications, tests and results,
and never an answer key or rubric; a recruiter only their organisation's offers.
"""
