"""Reusable widgets of the app (plots, banners, cards). GUI thread."""
