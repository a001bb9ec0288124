"""Routing of `asc serve`'s proxy: every connection of a browser to its own worker, new ones to the least busy."""

from __future__ import annotations

import pytest

from pipelines.serving import default_workers, worker_env
from pipelines.serving.routing import WorkerState, choose_worker, cookie_worker, unavailable, with_cookie


def workers(*connections: int, down: tuple[int, ...] = ()) -> list[WorkerState]:
    return [WorkerState(i, 9000 + i, healthy=i not in down, connections=c) for i, c in enumerate(connections)]


def request(*headers: str) -> bytes:
    return (
        "GET /_stcore/stream HTTP/1.1\r\nHost: dash.example\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (request("Cookie: asc_worker=2"), 2),
        (request("cookie: _streamlit_xsrf=2|ab; asc_worker=1; other=x"), 1),
        (request("Cookie: a=1", "Cookie: asc_worker=3"), 3),  # cookies split over two headers
        (request("Cookie: not_asc_worker=1"), None),
        (request("Cookie: asc_worker=abc"), None),
        (request("X-Note: asc_worker=1"), None),  # only the Cookie header counts
        (request(), None),
    ],
)
def test_the_worker_a_browser_was_given_is_read_from_its_cookie(head, expected):
    assert cookie_worker(head) == expected


def test_a_browser_stays_on_its_worker_even_when_another_is_less_busy():
    assert choose_worker(workers(30, 0, 5), wanted=0).index == 0


def test_a_new_browser_goes_to_the_healthy_worker_with_fewest_connections():
    assert choose_worker(workers(4, 2, 3), wanted=None).index == 1
    assert choose_worker(workers(4, 0, 3), wanted=None).index == 1
    assert choose_worker(workers(2, 2), wanted=None).index == 0  # ties: the first


def test_a_browser_whose_worker_is_down_moves_to_a_healthy_one():
    assert choose_worker(workers(0, 9, 1, down=(0,)), wanted=0).index == 2
    assert choose_worker(workers(0, 1), wanted=7).index == 0  # a cookie from a server with more workers


def test_no_healthy_worker_means_no_route():
    assert choose_worker(workers(0, 0, down=(0, 1)), wanted=1) is None


def test_the_routing_cookie_is_added_to_the_response_head_and_nothing_else_changes():
    head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSet-Cookie: a=b\r\n\r\n"
    changed = with_cookie(head, 3)
    assert changed == (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSet-Cookie: a=b\r\n"
        b"Set-Cookie: asc_worker=3; Path=/; HttpOnly; SameSite=Lax\r\n\r\n"
    )
    with pytest.raises(ValueError):
        with_cookie(b"HTTP/1.1 200 OK\r\n", 0)


def test_the_busy_answer_is_a_complete_503_with_a_plain_sentence():
    answer = unavailable("no dashboard worker is ready yet.")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert f"Content-Length: {len(body)}".encode() in head
    assert body.decode().startswith("The dashboard is starting or restarting: no dashboard worker is ready yet.")


def test_workers_share_one_cookie_secret_and_skip_the_collection_after_every_run():
    env = worker_env({"PATH": "/usr/bin"})
    assert len(env["STREAMLIT_SERVER_COOKIE_SECRET"]) == 64
    assert env["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == "false"
    assert worker_env({"STREAMLIT_SERVER_COOKIE_SECRET": "set-by-the-council"})["STREAMLIT_SERVER_COOKIE_SECRET"] == (
        "set-by-the-council"
    )


def test_one_worker_per_core_at_most_four(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _: set(range(16)))
    assert default_workers() == 4
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {0, 1})
    assert default_workers() == 2
