"""Writes of donations, by topic:

- ``gifts``: starting a gift, the guest's mobile code, the checkout, the status re-check, refunds;
- ``notifications``: the gateway's signed notifications (and the simulator's decision), applied
  once each;
- ``ledger``: paying an aid instalment from gifts (``payment_record_funded``).
"""
