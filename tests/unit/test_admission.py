"""Page renders take turns in arrival order, a few at a time, and never wait for ever (dashboard/shell/admission)."""

from __future__ import annotations

import threading
import time

from dashboard.shell.admission import Turns


def test_pages_waiting_for_the_one_turn_get_it_in_the_order_they_came():
    turns = Turns(1)
    assert turns.enter(1)
    order: list[str] = []
    threads = []
    for name in "BCDE":
        thread = threading.Thread(target=lambda n=name: turns.enter(5) and (order.append(n), turns.leave()))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while turns.waiting < len(threads) and time.monotonic() < deadline:  # queued before the next arrives
            time.sleep(0.005)
    assert turns.waiting == 4 and order == []
    turns.leave()
    for thread in threads:
        thread.join(5)
    assert order == ["B", "C", "D", "E"]
    assert turns.enter(0)  # the turn came back free


def test_two_turns_let_two_pages_in_and_queue_the_third():
    turns = Turns(2)
    assert turns.enter(0) and turns.enter(0)
    assert not turns.enter(0.05)  # no turn within the wait: the caller renders without one
    assert turns.waiting == 0  # and is no longer queued
    turns.leave()
    assert turns.enter(0)


def test_a_page_that_raises_gives_its_turn_back():
    turns = Turns(1)
    try:
        with turns.turn(1):
            raise RuntimeError("the page failed")
    except RuntimeError:
        pass
    assert turns.enter(0)
