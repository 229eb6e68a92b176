"""Where work runs: serially, in a local process pool, or on a Dask cluster.

Every backend calls the same function on the same arguments; a task's result never depends on
the backend, the number of workers or the order tasks finish in (every random stream derives
from the task's own seed and index). :func:`completed` yields results as they finish;
:func:`map_ordered` returns them in the order of the tasks.
"""

from __future__ import annotations

import multiprocessing as mp
import os
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
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx) as pool:
        futures = {pool.submit(fn, *args): i for i, args in enumerate(tasks)}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def map_ordered(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], workers: int = 1,
                backend: str = "process", scheduler: str | None = None) -> list[Any]:
    """``[fn(*task) for task in tasks]``, computed on a backend."""
    out: list[Any] = [None] * len(tasks)
    for i, value in completed(fn, tasks, workers, backend, scheduler):
        out[i] = value
    return out
