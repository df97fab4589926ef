"""The time limit on a learner's code: SIGALRM in the main thread, nothing left behind."""

import signal
import threading

import pytest

from graph.exercises.deadline import TimeUp, available, within


def test_a_call_within_the_time_returns_its_value_and_disarms_the_timer():
    assert within(5.0, sorted, [3, 1, 2]) == [1, 2, 3]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_call_past_the_time_is_stopped_where_it_is():
    def forever():
        while True:
            pass

    with pytest.raises(TimeUp) as stopped:
        within(0.1, forever)
    assert stopped.traceback[-1].name in ("forever", "_ring")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_except_exception_in_the_learners_code_does_not_swallow_it():
    def stubborn():
        while True:
            try:
                while True:
                    pass
            except Exception:  # TimeUp is no Exception
                continue

    with pytest.raises(TimeUp):
        within(0.1, stubborn)


def test_errors_pass_through_and_an_earlier_handler_and_timer_are_put_back():
    def mine(signum, frame):
        raise AssertionError("rang")

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        signal.setitimer(signal.ITIMER_REAL, 50.0)
        with pytest.raises(ZeroDivisionError):
            within(1.0, lambda: 1 / 0)
        assert signal.getsignal(signal.SIGALRM) is mine
        assert 40.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 50.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_in_another_thread_there_is_no_limit():
    seen = []
    worker = threading.Thread(target=lambda: seen.append((available(), within(0.01, sum, [1, 2]))))
    worker.start()
    worker.join()
    assert seen == [(False, 3)]
    assert available()



def test_an_alarm_in_a_garbage_collector_callback_waits_for_the_next_ring():
    import gc

    rang_in_callback = []

    def callback(phase, info):
        if phase == "start" and not rang_in_callback:
            rang_in_callback.append(True)
            signal.setitimer(signal.ITIMER_REAL, 1e-6, 0.05)  # ring now, inside the callback
            for _ in range(10**6):  # (long enough for the alarm to arrive here)
                pass

    def collects_for_ever():
        while True:
            gc.collect()

    gc.callbacks.append(callback)
    try:
        with pytest.raises(TimeUp):  # stopped later, in the loop; nothing "ignored" in the callback
            within(0.5, collects_for_ever)
    finally:
        gc.callbacks.remove(callback)
    assert rang_in_callback


def test_a_generator_that_loops_for_ever_is_stopped_too():
    def spins():
        while True:
            pass
        yield

    with pytest.raises(TimeUp):
        within(0.05, lambda: list(spins()))  # deferred at first (a generator), then stopped all the same
