"""The image pipeline: decode fast, orient, fit, convert to sRGB, encode small, strip metadata."""
