"""What the live Odnix server does to an upload after it arrives, and uploads shaped for it.

- :mod:`.profile`: the server's processing per target, as data (one table, one place).
- :mod:`.server_step`: a local simulation of that processing (the server's own Pillow calls
  and ffmpeg arguments).
- :mod:`.posts` and :mod:`.reels`: the upload shaped so that what viewers get is as good as
  the original allows, for the fewest bytes.
- :mod:`.notes`: the same facts in words, for the pre-flight list and the compare window.
"""
