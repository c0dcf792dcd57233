"""Perceived quality: a fast SSIMULACRA2 and the per-photo search for the smallest JPEG that reaches a target."""
