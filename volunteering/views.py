"""The pages of paid volunteering (the web layer)."""
