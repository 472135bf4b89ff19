"""Pages of donations (the web layer)."""
