"""Writes of aid requests, one module per topic.

- ``lifecycle``: the one status change (``aid_request_move``) and the moves made here;
- ``submission``: submitting and screening a request;
- ``appeals``: appealing a decision, and the ministry's decision on the appeal;
- ``catalogue``: the aid types;
- ``cases``: messages to the applicant, and staff opening a request's personal data.

A step that also changes another app runs in that (higher) app, which wraps the part written
here in its transaction: ``charities.request_steps.aid_request_submit`` (the coverage check after
screening), ``dedup.request_steps.aid_request_withdraw`` and ``appeal_decide`` (freeing the
request's aid slots).
"""
