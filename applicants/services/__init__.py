"""Writes of the applicants app, by topic: the personal details (``details``), the household
(``household``), income and obligations (``money``), documents (``documents``) and the
ministry's protection of an applicant (``protection``); ``history`` holds the steps they share.

Every public function is one state change: it runs in ``transaction.atomic(durable=True)``,
re-reads the rows it changes with ``select_for_update()``, writes its audit entry in the same
transaction and, once a charity holds one of the applicant's requests, a ``ProfileChange`` per
changed value so the charity can see what was declared at claim time. The household changes
are the exception: their durable transaction is opened by ``dedup.household_steps``, which
also carries the household's aid coverage along, and the functions here run inside it.
Problems the applicant can fix are raised as ``applicants.exceptions.ProfileError``.
"""
