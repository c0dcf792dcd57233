"""Qt jobs, no widgets: a ``QRunnable`` per job that calls one core function.

Each job has a small signals object (:class:`~odnix_desktop.jobs.base.JobSignals`)
and ends exactly once: finished, failed or cancelled. :class:`~odnix_desktop.jobs.runner.JobRunner`
owns the pools (images in parallel, videos one at a time, and a small pool for
probing, thumbnails and compare frames).
"""
