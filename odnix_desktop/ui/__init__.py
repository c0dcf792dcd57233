"""Widgets that show state and emit intentions; no pipeline logic lives here."""
