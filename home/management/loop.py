"""A step repeated every few seconds until SIGINT or SIGTERM, for the long-running commands.

`run_scheduler` and the email worker (`send_pending_notifications --loop`) both use it. A
signal only sets an event: the step in progress finishes, and the wait between steps ends
at once.
"""

import signal
import threading
from collections.abc import Callable


def add_loop_arguments(parser, *, interval: float, runs_help: str) -> None:
    parser.add_argument(
        "--interval",
        type=float,
        default=interval,
        help=f"Seconds between runs (default {interval:g}).",
    )
    parser.add_argument("--runs", type=int, default=0, help=runs_help)


def run_until_stopped(
    step: Callable[[threading.Event], bool], *, interval: float, runs: int = 0
) -> None:
    """Call `step(stop)` until a signal arrives or `runs` steps are done (0: no limit).

    A step returns True when more work is waiting, so the next step starts without a pause.
    """
    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        done = 0
        while not stop.is_set():
            more_waiting = step(stop)
            done += 1
            if runs and done >= runs:
                break
            if not more_waiting:
                stop.wait(interval)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
