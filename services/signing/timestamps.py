"""Trusted time for the seal (PAdES B-T): RFC 3161 timestamp authorities tried in order."""

from asn1crypto import tsp
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError


class TimestampAuthorities(TimeStamper):
    """The first of the configured authorities that answers stamps the seal; if none does,
    `TimestampRequestError` names each one's failure, and the seal is not made (the completion
    job tries again)."""

    def __init__(self, urls: list[str], timeout_seconds: float) -> None:
        self.authorities = [HTTPTimeStamper(url, timeout=timeout_seconds) for url in urls]
        super().__init__()

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        failures = []
        for authority in self.authorities:
            try:
                response = await authority.async_request_tsa_response(req)
            except TimestampRequestError as error:
                failures.append(f"{authority.url}: {error.__cause__ or error}")
                continue
            if response["status"]["status"].native in ("granted", "granted_with_mods"):
                return response
            failures.append(f"{authority.url}: refused ({response['status']['status'].native})")
        raise TimestampRequestError("no timestamp authority answered: " + "; ".join(failures))


def timestamper(urls: list[str], timeout_seconds: float) -> TimestampAuthorities | None:
    return TimestampAuthorities(urls, timeout_seconds) if urls else None
