"""Paid volunteering (issue 15): licensed organisations publish paid volunteer work, applicants
who prefer it to direct aid apply, and the stipend is aid like any other — a request of the
paid-volunteering aid type held by the organisation, reserved under the one-aid-type rule and
paid through the charities' payment path."""
