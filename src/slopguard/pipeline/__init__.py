"""The one path every front end takes: scan → verify packages → gate (verdict and exit code).

``scan``, ``deps``, ``review``, ``classify``, ``rci``/``fix``/``bench`` and the editor/agent front ends call
these functions; nothing below this package knows which command is running.
"""
