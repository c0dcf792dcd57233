"""The video pipeline: probe with ffmpeg, one encode pass, preview frames. No Qt here."""
