"""Agency-lookup adapters, one per wire protocol, chosen by ``settings.BENEFITS_LOOKUP``:

- ``base``: the interface (``AgencyLookup``), its answer (``AgencyBenefit``) and its errors;
- ``http``: the agencies' HTTPS JSON API (the wire format is in its docstring);
- ``simulator``: answers from the imported records, the embedded default;
- ``registry``: ``get_lookup``, the configured adapter built afresh from the settings.
"""
