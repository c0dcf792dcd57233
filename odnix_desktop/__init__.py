"""Odnix Desktop: compress photos and clips for the Odnix platform."""

__version__ = "0.1.0"
