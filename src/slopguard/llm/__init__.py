"""Talking to language models: chat clients, code extraction from answers, and the RCI loop (criticise, improve).

Model output is untrusted data: it is scanned, diffed and shown, never imported or executed.
"""
