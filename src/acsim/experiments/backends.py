"""Where work runs: serially, in a local process pool, or on a Dask cluster.

Every backend calls the same function on the same arguments; a task's result never depends on
the backend, the number of workers or the order tasks finish in (every random stream derives
from the task's own seed and index). :func:`completed` yields results as they finish;
:func:`map_ordered` returns them in the order of the tasks.

The local process pool never outlives its parent, and never makes it wait:

- Each worker dies with the process that started it (:func:`_watch_parent`: on Linux the
  kernel sends it SIGKILL when the parent dies, elsewhere a watchdog thread polls the parent's
  pid), so a parent killed outright (SIGKILL, the OOM killer) leaves no worker asleep holding
  its stdout. The pool's resource tracker exits once the last worker has.
- Workers are spawned without re-running the parent's main script (:class:`_LibraryProcess`),
  so ``acsim.run`` works at the top level of a script with no ``if __name__ == "__main__":``
  guard, as in a notebook. Tasks are acsim's own module-level functions; a task function
  defined in the main script itself is spawned the usual way (and then needs the guard).
- Workers ignore SIGINT: a Ctrl-C reaches the parent only, which stops at once. When the
  consumer of :func:`completed` stops early (an exception, a KeyboardInterrupt, closing the
  generator) pending tasks are cancelled and running workers terminated (:func:`_stop`),
  instead of waiting for the tasks they are running.
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.context as mp_context
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from acsim.exceptions import ScenarioError

__all__ = ["BACKENDS", "completed", "default_workers", "map_ordered"]

#: Backend names: a local process pool (serial with one worker) or Dask distributed.
BACKENDS = ("process", "dask")


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


#: Linux ``prctl`` option: the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent's pid where the kernel cannot watch it.
_WATCH_INTERVAL = 0.5
#: Seconds a terminated worker is given to exit before it is killed.
_TERMINATE_GRACE = 1.0


def _die_with_parent_linux() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return False


def _watch_parent(parent: int) -> None:
    """Initializer of each pool worker: die with the parent, leave Ctrl-C to it.

    Args:
        parent: Pid of the process that started the pool.

    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watched = _die_with_parent_linux()
    if os.getppid() != parent:  # the parent died before the kernel watched it
        os._exit(1)
    if watched:
        return

    def poll() -> None:  # pragma: no cover - where prctl is unavailable
        while os.getppid() == parent:
            time.sleep(_WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=poll, name="acsim-parent-watch", daemon=True).start()


class _LibraryProcess(mp_context.SpawnProcess):
    """A spawned worker that does not import the parent's ``__main__`` module.

    A spawned process normally re-imports the parent's main script (to find functions defined
    there); a script that calls ``acsim.run`` at its top level, unguarded, would then run again
    in every worker, which fails. acsim's tasks live in acsim's modules, so the workers are
    started with the main script hidden (its ``__file__`` and ``__spec__``) while the process
    is launched, and import only what the task needs.
    """

    @staticmethod
    def _Popen(process_obj):  # noqa: N802 - the name multiprocessing calls
        main = sys.modules["__main__"].__dict__
        saved = {k: main[k] for k in ("__file__", "__spec__") if k in main}
        main.pop("__file__", None)
        if "__spec__" in saved:
            main["__spec__"] = None
        try:
            return mp_context.SpawnProcess._Popen(process_obj)
        finally:
            main.update(saved)


class _LibraryContext(mp_context.SpawnContext):
    """The "spawn" start method with workers that skip the main script."""

    Process = _LibraryProcess


def _pool_context(fn: Callable[..., Any]) -> mp_context.BaseContext:
    """Spawn for the pool: skipping the main script unless ``fn`` is defined in it."""
    if getattr(fn, "__module__", None) == "__main__":
        return mp.get_context("spawn")
    return _LibraryContext()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel a pool's pending tasks and terminate its workers now (not after their tasks).

    A worker terminated while it writes a result leaves half a message in the result pipe.
    The pool's manager thread, already reading it, would wait for the rest forever, and the
    interpreter waits for that thread at exit. This process holds the pipe's write end too,
    so it closes it once the workers are gone: the read ends (EOF), the manager thread
    counts the pool broken and exits, and so can the process.
    """
    # The executor drops its table of processes and its queues on shutdown: take them first.
    # (Python 3.14 has ProcessPoolExecutor.terminate_workers for this.)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + _TERMINATE_GRACE
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
            p.kill()
            p.join(_TERMINATE_GRACE)
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()


def _dask_client(scheduler: str | None, workers: int):
    """A Dask client: to ``scheduler`` if given, else to a local cluster on loopback."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise ScenarioError(
            "--backend", "dask",
            "Dask is not installed; install it with: pip install 'acsim[distributed]'",
        ) from None
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    return Client(cluster), cluster


def completed(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int = 1,
    backend: str = "process",
    scheduler: str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(task index, fn(*task))`` as tasks complete (in any order).

    Args:
        fn: A module-level function (it is pickled to the workers).
        tasks: Argument tuples, one per task.
        workers: Local worker processes (one: run serially in this process).
        backend: ``"process"`` or ``"dask"``.
        scheduler: Address of an existing Dask scheduler; with ``"dask"`` and none, a local
            cluster of ``workers`` processes is started.

    """
    if backend not in BACKENDS:
        raise ScenarioError("--backend", "", f"expected one of {list(BACKENDS)}, got {backend!r}")
    if not tasks:
        return
    if backend == "dask":
        client, cluster = _dask_client(scheduler, workers)
        try:
            from dask.distributed import as_completed as dask_completed

            futures = {client.submit(fn, *args, pure=False): i for i, args in enumerate(tasks)}
            for fut in dask_completed(list(futures)):
                yield futures[fut], fut.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    if workers <= 1 or len(tasks) <= 1:
        for i, args in enumerate(tasks):
            yield i, fn(*args)
        return
    # "spawn" is safe from notebooks and threads; results do not depend on the worker.
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)),
                               mp_context=_pool_context(fn),
                               initializer=_watch_parent, initargs=(os.getpid(),))
    finished = False
    try:
        futures = {pool.submit(fn, *args): i for i, args in enumerate(tasks)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # stopped early: drop the work still running rather than wait for it
            _stop(pool)


def map_ordered(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], workers: int = 1,
                backend: str = "process", scheduler: str | None = None,
                progress: str | None = None) -> list[Any]:
    """``[fn(*task) for task in tasks]``, computed on a backend.

    Args:
        fn: A module-level function.
        tasks: Argument tuples, one per task.
        workers: Local worker processes.
        backend: ``"process"`` or ``"dask"``.
        scheduler: Address of an existing Dask scheduler.
        progress: A label: show a progress bar of finished tasks on stderr under it, once
            the work has taken a second. None: no bar.

    """
    from tqdm.auto import tqdm

    out: list[Any] = [None] * len(tasks)
    with tqdm(total=len(tasks), desc=progress, unit="task", delay=1.0, leave=False,
              disable=progress is None) as bar:
        for i, value in completed(fn, tasks, workers, backend, scheduler):
            out[i] = value
            bar.update(1)
    return out
