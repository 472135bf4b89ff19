"""Applicant pages, by topic: the profile's steps (``steps``), the household (``household``),
income and obligations (``money``), documents (``documents``), and the ministry's pages
(``ministry``); ``common`` holds what they share.

Every profile view is: access check → form → one service call → redirect. Forms that add a
row carry a one-time submission token, so a double-clicked or replayed form adds nothing twice.
"""
