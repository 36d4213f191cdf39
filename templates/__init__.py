"""Jinja templates shipped inside the wheel (see migrate/render.py)."""
