"""Charity services, by topic (each module says what it holds):

- ``cases``: who may act on a case, release, reject, the claim deadline;
- ``claim``: the claim (its SQL is ``charities.claim_sql``);
- ``payments``: approval, payments by period, closing;
- ``covered``: requests covered elsewhere leave the queue and come back;
- ``licensing``: organisations applying to join and the ministry's licensing;
- ``staff``: the manager's confirmation link and a manager's own staff;
- ``mail``: e-mail to organisations and staff after the commit.
"""
