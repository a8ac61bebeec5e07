"""The shared credential vocabularies: environment reads with literal fallbacks, digests of a password, a key
pair's public half, people named by a card or a badge, and notes about someone's right to a thing."""

from __future__ import annotations

import pytest

from slopguard.core.finding import Confidence
from slopguard.rules.shared.accounts import handler_kind, says_unknown_account, says_wrong_password
from slopguard.rules.shared.secrets import env_helper, env_read, fallback_name, grade_secret, secret_kind
from slopguard.rules.shared.security_todos import security_topic


@pytest.mark.parametrize(
    ("text", "variable"),
    [
        ('cmp.Or(os.Getenv("LEDGER_KEY"), "x")', "LEDGER_KEY"),
        ('std::env::var("RELAY_TOKEN").unwrap_or_default()', "RELAY_TOKEN"),
        ('option_env!("BUILD_KEY")', "BUILD_KEY"),
        ('std::getenv("HMAC_KEY")', "HMAC_KEY"),
        ("process.env.SESSION_SECRET", "SESSION_SECRET"),
        ('os.environ["DB_PASSWORD"]', "DB_PASSWORD"),
        ('System.getenv("API_KEY")', "API_KEY"),
        ('config.get("API_KEY")', None),
        ('getenvironment("X")', None),
    ],
)
def test_env_read_names_the_variable(text: str, variable: str | None) -> None:
    assert env_read(text) == variable


@pytest.mark.parametrize(
    ("callee", "reads"),
    [("getEnv", True), ("envOr", True), ("config.GetEnvDefault", True), ("get_env_or_default", True),
     ("mustGetenv", True), ("envelope", False), ("getEnvelope", False), ("environmentName", False)],
)  # fmt: skip
def test_env_helpers_are_named_for_reading_a_variable(callee: str, reads: bool) -> None:
    assert env_helper(callee) is reads


def test_fallback_is_judged_under_the_variable_when_it_names_a_secret() -> None:
    assert fallback_name("PAYMENT_SIGNING_SECRET", "cfg") == "PAYMENT_SIGNING_SECRET"
    assert fallback_name("APP_SEED", "hmacKey") == "hmacKey"
    assert fallback_name("APP_SEED", None) == "APP_SEED"


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("ADMIN_MD5", "1f3e5d7c9b0a2f4e6d8c0b1a3f5e7d9c", True),
        ("rootPwSha256", "ab" * 32, True),
        ("hashed_pin", "$2b$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ0123", True),
        ("ADMIN_MD5", "md5", False),  # the name of the algorithm, not a digest
        ("ADMIN_MD5", "0" * 32, False),  # a blank value
        ("FIRMWARE_SHA256", "ab" * 32, False),  # the digest of a file
        ("PASSWORD_HASH_ALGORITHM", "sha256", False),
        ("access_key", "reports-uploader", False),  # the public half of a key pair: a readable name
        ("S3_ACCESS_KEY", "minioadmin", False),
        ("access_key", "Q7ZK2MX9VL4PSTWB3RNC", True),  # a generated access key id
        ("kLinkKey", "lnk-3c8e1f0a9d2b7465ac", True),  # the key links are signed with
        ("LINK_PREFIX", "lnk-3c8e1f0a9d2b7465ac", False),
    ],
)
def test_credential_digests_and_key_names(name: str, value: str, secret: bool) -> None:
    kind = secret_kind(name)
    graded = grade_secret(kind, name, value, True) if kind is not None else None
    assert (graded is not None) is secret
    if kind == "digest" and secret:
        assert graded is Confidence.HIGH


@pytest.mark.parametrize(
    "message",
    ["That loyalty card is not registered", "No invitation was sent to this address", "Unknown badge number",
     "We have no member with that card number", "This membership number is not on file"],
)  # fmt: skip
def test_a_card_or_an_invitation_names_a_person(message: str) -> None:
    assert says_unknown_account(message)


@pytest.mark.parametrize(
    "message", ["This card was declined", "Card number or PIN not accepted", "No seats left on this flight"]
)
def test_card_messages_that_reveal_no_account(message: str) -> None:
    assert not says_unknown_account(message)


@pytest.mark.parametrize(
    ("message", "wrong"),
    [("Incorrect PIN for this card", True), ("That password isn't right", True), ("The PIN you entered is wrong", True),
     ("Access code does not match", True), ("Wrong code", False), ("Password reset link is invalid", False),
     ("Wrong card number or PIN", False), ("Passwords do not match", False)],
)  # fmt: skip
def test_wrong_secret_wording(message: str, wrong: bool) -> None:
    assert says_wrong_password(message) is wrong


def test_code_verification_handlers_are_one_time_code_handlers() -> None:
    assert handler_kind("verify_guest_code") == "reset"
    assert handler_kind("member_sign_in") == "login"
    assert handler_kind("verify_checksum") is None


@pytest.mark.parametrize(
    ("note", "security"),
    [("check that the podcaster owns the show first", True), ("verify the seller is allowed to edit it", True),
     ("make sure the instructor has access to the course", True), ("ensure the allocator owns the block", False),
     ("make sure the container owns its nodes", False), ("check that the node owns the child", False)],
)  # fmt: skip
def test_notes_about_someones_right_to_a_thing(note: str, security: bool) -> None:
    assert (security_topic(note) is not None) is security
