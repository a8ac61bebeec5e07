"""``slopguard gateway``: a local proxy in front of a model server that adds the security instructions to every
request and checks every answer (code blocks scanned, packages verified) before the client sees it.

It speaks the OpenAI chat-completions, responses and models endpoints and the Anthropic Messages endpoint, streamed
(server-sent events) and not. The upstream server comes only from the user (a flag or the user's own
configuration), never from a request or a project.
"""
