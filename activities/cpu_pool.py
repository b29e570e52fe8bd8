"""The worker's processes for CPU-bound work (face models, image measures).

`spawn`: forking a process that runs Temporal's threads is unsafe. Each child watches its parent and exits once the
parent is gone: a worker killed with SIGKILL (an OOM kill, `kill -9`, a crashed container) runs no clean-up, and
spawned children would otherwise live on as orphans, each holding the face models' memory.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PARENT_CHECK_SECONDS = 1.0


def cpu_pool(processes: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))


def _exit_with_parent(parent: int) -> None:
    def watch() -> None:
        # An orphan is re-parented (to init or a subreaper), so its parent id changes the moment the worker dies.
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
