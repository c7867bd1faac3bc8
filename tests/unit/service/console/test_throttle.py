from service.console.throttle import allowed


def test_failures_inside_the_window_count():
    assert allowed([1, 2], now_ms=10, max_failures=3, window_ms=100)
    assert not allowed([1, 2, 3], now_ms=10, max_failures=3, window_ms=100)


def test_failures_leave_the_window():
    assert allowed([1, 2, 3], now_ms=102, max_failures=3, window_ms=100)
    assert not allowed([1, 2, 3], now_ms=100, max_failures=3, window_ms=100)


def test_future_failures_do_not_count():
    assert allowed([50, 60, 70], now_ms=10, max_failures=3, window_ms=100)
