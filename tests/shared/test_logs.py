"""The kit's one redaction of request paths: a signing link's token never reaches a log line or
a span, in any spelling a service could be sent; other paths are kept as they are."""

import pytest

from shared.logs import redact_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/api/v1/sign/Tok3n-_x", "/api/v1/sign/[redacted]"),
        ("/api/v1/sign/Tok3n-_x/attachments/0", "/api/v1/sign/[redacted]/attachments/0"),
        ("/api/v1/sign/Tok3n-_x/code/verify", "/api/v1/sign/[redacted]/code/verify"),
        ("/api/v1/sign/Tok3n-_x?inline=1", "/api/v1/sign/[redacted]?inline=1"),
        ("/api/v1//SIGN//Tok3n-_x/eid", "/api/v1//SIGN//[redacted]/eid"),
        ("/api/v1/signings/s1/send", "/api/v1/signings/s1/send"),
        ("/api/v1/documents/d1/content", "/api/v1/documents/d1/content"),
    ],
)
def test_the_token_of_a_sign_path_is_redacted_and_nothing_else(path: str, logged: str) -> None:
    assert redact_path(path) == logged
