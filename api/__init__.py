"""The REST API for organisations' own software: clients, tokens, and the endpoints.

A thin web layer over the same services and selectors as the charity pages (``api.views``);
nothing imports it.
"""
