"""Payment-gateway adapters, chosen by ``settings.DONATIONS_GATEWAY`` (like
``identity/providers/`` and ``benefits/agencies/``):

- ``base``: the interface (``Gateway``), its answers (``Checkout``, ``GatewayTransaction``) and
  its errors;
- ``signing``: the HMAC-SHA256 signature of notifications (and of our requests to the gateway);
- ``simulator``: a hosted payment page inside the portal, the embedded default;
- ``http``: a Gulf-style gateway over HTTPS JSON (the wire format is in its docstring);
- ``registry``: ``get_gateway``, the configured adapter built afresh from the settings.
"""
