"""What a random value is for, read from the names around it, for the randomness rules of every language: the
words that say it must be unpredictable, and the words that say it only has to look random."""

from __future__ import annotations

# A token, salt, nonce or one-time code: predictable values are a vulnerability.
SECRET_PURPOSES = frozenset(
    {"token", "secret", "otp", "totp", "hotp", "salt", "nonce", "csrf", "xsrf", "apikey", "invite", "invitation",
     "verification", "reset", "captcha", "mfa", "passcode", "pin"}
)  # fmt: skip

# Games, jitter, sampling and test data: math-grade randomness is fine.
PLAY_PURPOSES = frozenset(
    {"game", "guess", "dice", "roll", "color", "colour", "quiz", "question", "jitter", "delay", "backoff", "sleep",
     "retry", "sample", "test", "mock", "fake", "demo", "seed", "index", "idx", "weight", "port", "timeout",
     "interval", "wait"}
)  # fmt: skip
