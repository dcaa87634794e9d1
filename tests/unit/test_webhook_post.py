"""One webhook attempt: only a 2xx is delivered; a redirect is not followed; a timeout and a refused
connection are failures with a reason; ``Retry-After`` is read."""

from __future__ import annotations

import base64

import httpx

from workers.webhooks.endpoints import Endpoint
from workers.webhooks.post import http_client, post

ENDPOINT = Endpoint(
    url="https://vc.example.se/discharge/webhook", secret="whsec_" + base64.b64encode(b"s" * 32).decode()
)
BODY = '{"specversion":"1.0","id":"e-1","data":{}}'


def client(answer: httpx.Response | Exception, seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=False)


async def test_a_2xx_is_delivered_and_the_request_is_the_signed_cloudevent() -> None:
    seen: list[httpx.Request] = []
    async with client(httpx.Response(202), seen) as http:
        attempt = await post(http, ENDPOINT, "e-1", BODY)

    assert attempt.delivered
    [request] = seen
    assert request.method == "POST" and request.content == BODY.encode()
    assert request.headers["webhook-id"] == "e-1" and request.headers["webhook-signature"].startswith("v1,")


async def test_a_redirect_is_a_failure_and_is_not_followed() -> None:
    seen: list[httpx.Request] = []
    moved = httpx.Response(307, headers={"Location": "https://elsewhere.example.se/hook"})
    async with client(moved, seen) as http:
        attempt = await post(http, ENDPOINT, "e-1", BODY)

    assert not attempt.delivered and attempt.problem == "HTTP 307"
    assert [str(request.url) for request in seen] == [ENDPOINT.url]
    sender = http_client(timeout=15, max_connections=4)  # the process's own client: redirects off too
    assert sender.follow_redirects is False
    await sender.aclose()


async def test_a_busy_receiver_is_a_failure_with_its_retry_after() -> None:
    seen: list[httpx.Request] = []
    async with client(httpx.Response(503, headers={"Retry-After": "120"}), seen) as http:
        attempt = await post(http, ENDPOINT, "e-1", BODY)

    assert (attempt.delivered, attempt.problem, attempt.retry_after) == (False, "HTTP 503", 120.0)


async def test_no_answer_and_no_connection_are_failures_that_name_no_url() -> None:
    for error, problem in [
        (httpx.ReadTimeout("slow"), "no answer within the timeout"),
        (httpx.ConnectError("refused"), "not reached: ConnectError"),
    ]:
        async with client(error, []) as http:
            attempt = await post(http, ENDPOINT, "e-1", BODY)
        assert (attempt.delivered, attempt.problem) == (False, problem)
