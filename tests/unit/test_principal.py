from discharge.principal import Principal, issue_access_token, verify_access_token

SECRET = "a-test-secret-of-enough-length-32b"
COORDINATOR = Principal(hsa_id="SE2321000131-E000000000300", name="Karin Koordinator", role="coordinator")


def test_a_token_names_its_principal_until_it_expires() -> None:
    token = issue_access_token(COORDINATOR, SECRET, ttl_seconds=60, now=1_000_000)
    assert verify_access_token(token, SECRET, now=1_000_030) == COORDINATOR
    assert verify_access_token(token, SECRET, now=1_000_061) is None


def test_a_token_signed_with_another_secret_or_tampered_is_refused() -> None:
    token = issue_access_token(COORDINATOR, SECRET, ttl_seconds=60)
    assert verify_access_token(token, "another-secret-of-enough-length-32") is None
    head, body, signature = token.split(".")
    assert verify_access_token(f"{head}.{body}x.{signature}", SECRET) is None
    assert verify_access_token("not a token", SECRET) is None
