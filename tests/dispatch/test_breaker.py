"""The circuit breaker: closed → open after failures in a row → one probe → closed or open."""

from __future__ import annotations

from lingoflow.dispatch.breaker import CircuitBreaker


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def failing(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.failure(breaker.begin(), RuntimeError("HTTP 500"))


def test_opens_after_threshold_failures_in_a_row_only() -> None:
    breaker = CircuitBreaker(3, 10.0, clock=ManualClock())
    failing(breaker, 2)
    breaker.success(breaker.begin())  # a success in between starts the count again
    failing(breaker, 2)
    assert breaker.state == "closed"
    failing(breaker, 1)
    assert breaker.state == "open"
    assert not breaker.allows()
    assert breaker.last_error == "HTTP 500"


def test_one_probe_after_the_rest_then_closed_on_success() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(1, 10.0, clock=clock)
    failing(breaker, 1)
    clock.now = 4.0
    assert breaker.retry_after() == 6.0
    clock.now = 10.0
    assert breaker.state == "half-open"
    assert breaker.allows()
    assert breaker.begin() is True  # this request is the probe
    assert not breaker.allows()  # ... and the only one
    assert breaker.retry_after() == 1.0  # a tenth of the rest while the probe is out
    breaker.success(True)
    assert breaker.state == "closed"
    assert breaker.begin() is False


def test_a_failed_probe_opens_the_circuit_for_another_rest() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(1, 10.0, clock=clock)
    failing(breaker, 1)
    clock.now = 12.0
    breaker.failure(breaker.begin(), RuntimeError("still down"))
    assert breaker.state == "open"
    assert breaker.retry_after() == 10.0
    assert breaker.last_error == "still down"


def test_a_cancelled_probe_lets_the_next_request_probe() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(1, 10.0, clock=clock)
    failing(breaker, 1)
    clock.now = 10.0
    breaker.abandon(breaker.begin())
    assert breaker.allows()


def test_results_of_requests_sent_before_opening_are_ignored() -> None:
    breaker = CircuitBreaker(1, 10.0, clock=ManualClock())
    earlier = breaker.begin()
    failing(breaker, 1)
    breaker.success(earlier)  # an old request answering does not close the circuit
    assert breaker.state == "open"
