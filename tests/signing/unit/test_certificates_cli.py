"""The compose stack's sealing pair: made once, kept afterwards, and usable for sealing."""

from pathlib import Path

from services.signing.certificates import make_sealer, write_self_signed


def test_a_pair_is_written_once_and_then_kept(tmp_path: Path) -> None:
    cert, key = write_self_signed(tmp_path / "certs")
    first = cert.read_bytes()
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    make_sealer(first, key.read_bytes())
    write_self_signed(tmp_path / "certs")
    assert cert.read_bytes() == first
