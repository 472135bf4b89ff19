"""Signed webhooks: organisations' endpoints, and the deliveries of case events to them."""
