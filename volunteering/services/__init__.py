"""Paid volunteering's writes, by topic (callers import the module):

- ``opportunities``: publish, edit and complete an opportunity (managers of a licensed
  organisation).
- ``applications``: apply, shortlist, decline, accept (a seat, and the stipend aid reserved
  under the rule) and withdraw.
- ``hours``: weekly hours logged, confirmed or disputed; the month's stipend paid.
"""
