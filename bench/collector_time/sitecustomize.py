"""Bench-only: every Python process started with this folder on PYTHONPATH writes, when it exits,
its CPU seconds and the seconds its cyclic collector took (timed with `gc.callbacks`), to
$COLLECTOR_TIME_DIR/PID.txt (default /tmp/collector-time). Forked children count from their fork.
A process killed, or ended by `os._exit` outside multiprocessing, writes nothing.

    COLLECTOR_TIME_DIR=/tmp/ct PYTHONPATH=bench/collector_time .venv/bin/python bench/scale.py --sizes 100000 ...
    cat /tmp/ct/*.txt
"""

import atexit
import gc
import os
import sys
import time

_OUT = os.environ.get("COLLECTOR_TIME_DIR", "/tmp/collector-time")
_state = {"seconds": 0.0, "passes": [0, 0, 0], "began": None, "cpu": time.process_time(), "done": False}


def _timed(phase, info):
    if phase == "start":
        _state["began"] = time.process_time()
    elif _state["began"] is not None:
        _state["seconds"] += time.process_time() - _state["began"]
        _state["passes"][info["generation"]] += 1


def _report(*_):
    if _state["done"]:
        return
    _state["done"] = True
    cpu = time.process_time() - _state["cpu"]
    os.makedirs(_OUT, exist_ok=True)
    with open(os.path.join(_OUT, f"{os.getpid()}.txt"), "w") as out:
        out.write(f"pid {os.getpid()} ppid {os.getppid()} cpu {cpu:.2f} collector {_state['seconds']:.2f} "
                  f"({_state['seconds'] / max(cpu, 1e-9) * 100:.1f} %) passes {_state['passes']} "
                  f"threshold {gc.get_threshold()} argv {' '.join(sys.argv)[:100]}\n")


def _after_fork():
    _state.update(seconds=0.0, passes=[0, 0, 0], began=None, cpu=time.process_time(), done=False)


class _Anchor:  # multiprocessing keeps a weak reference to what registers an after-fork hook
    pass


_anchor = _Anchor()


def _in_child(_):
    import multiprocessing.util
    multiprocessing.util.Finalize(None, _report, exitpriority=100)  # multiprocessing children end by os._exit


gc.callbacks.append(_timed)
os.register_at_fork(after_in_child=_after_fork)
atexit.register(_report)
try:
    import multiprocessing.util as _util
    _util.register_after_fork(_anchor, _in_child)
except Exception:  # no multiprocessing: atexit alone
    pass
