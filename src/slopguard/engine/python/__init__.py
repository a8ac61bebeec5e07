"""Python analysis on the standard ``ast``: context, taint tracking, web-route awareness, the runner."""
