"""Checks of command-line options, made before any simulation starts.

Every option is checked here before the first replication runs, so that a bad value costs
nothing: each failure is a :class:`~acsim.exceptions.ScenarioError` naming the option (the CLI
prints it as one line and exits with 2). Output directories (``--out``, ``--store``,
``--checkpoint``) are created and test-written here, so that no finished simulation is lost
to a path that cannot be written.

Limits: ``--replications`` and ``--max-replications`` at most :data:`MAX_REPLICATIONS`,
``--workers`` at most :data:`MAX_WORKERS`, seeds non-negative integers, ``--precision`` a
finite fraction above 0, a Dask ``--scheduler`` reachable within :data:`CONNECT_TIMEOUT`
seconds.
"""

from __future__ import annotations

import errno
import importlib.util
import math
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from acsim.exceptions import ScenarioError

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_REPLICATIONS",
    "MAX_REPLICATIONS",
    "MAX_WORKERS",
    "check_count",
    "check_metric",
    "check_positive",
    "check_precision",
    "check_scheduler",
    "check_seed",
    "check_workers",
    "check_writable_file",
    "output_dir",
    "write_error",
]

#: Upper bound of ``--replications`` and ``--max-replications`` (time and memory stay finite:
#: every replication's spells are kept in memory).
MAX_REPLICATIONS = 1000
#: Replications of ``run`` and ``compare`` when ``-n`` is not given: enough for a 95 %
#: t-interval (4 replications: t = 3.18), few enough to finish in about a minute on 2 cores.
DEFAULT_REPLICATIONS = 4
#: Upper bound of ``--workers``.
MAX_WORKERS = 256
#: Seconds allowed to reach a Dask scheduler before any work is submitted.
CONNECT_TIMEOUT = 3.0
#: Default port of a Dask scheduler address without one.
DASK_PORT = 8786
#: Bytes written (and synced) to test an output directory.
_PROBE_BYTES = 1024 * 1024


def check_count(value: int | None, option: str, low: int, high: int | None = None) -> None:
    """An integer option lies in ``[low, high]`` (``None``: not given, nothing to check).

    Raises:
        ScenarioError: It does not.

    """
    if value is None:
        return
    if value < low or (high is not None and value > high):
        bound = f"between {low:,} and {high:,}" if high is not None else f"at least {low:,}"
        raise ScenarioError(option, "", f"must be {bound}; got {value:,}")


def check_seed(value: int | None, option: str = "--seed") -> None:
    """A seed is a non-negative integer (``None``: fresh entropy, or the file's)."""
    if value is not None and value < 0:
        raise ScenarioError(option, "", f"must be a non-negative integer; got {value}")


def check_workers(value: int | None, option: str = "--workers") -> None:
    """``--workers`` is between 1 and :data:`MAX_WORKERS` (``None``: all cores)."""
    check_count(value, option, 1, MAX_WORKERS)


def check_positive(value: float | None, option: str) -> None:
    """A number option is finite and above 0 (``None``: not given)."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ScenarioError(option, "", f"must be a finite number above 0; got {value!r}")


def check_precision(precision: float | None, replications: int, max_replications: int) -> None:
    """``--precision`` and ``--max-replications`` (with ``--replications`` checked before).

    Raises:
        ScenarioError: The precision is not a finite fraction above 0, or the bound on
            replications is out of range or below ``--replications`` (with ``--precision``).

    """
    if precision is not None and not (math.isfinite(precision) and precision > 0):
        raise ScenarioError("--precision", "", "must be a finite fraction above 0, e.g. 0.02; "
                            f"got {precision!r}")
    check_count(max_replications, "--max-replications", 1, MAX_REPLICATIONS)
    if precision is not None and max_replications < replications:
        raise ScenarioError("--max-replications", "", f"must be at least --replications "
                            f"({replications}); got {max_replications}")


def check_metric(metric: str, option: str = "--metric") -> None:
    """``--metric`` is a per-replication metric of a run (see :mod:`acsim.analysis.metrics`)."""
    from acsim.analysis.metrics import check_run_metric

    try:
        check_run_metric(metric)
    except ValueError as exc:
        raise ScenarioError(option, "", str(exc)) from None


def check_scheduler(backend: str, scheduler: str | None) -> None:
    """With ``--backend dask``: Dask is installed and ``--scheduler`` (if given) answers.

    The scheduler's host and port must accept a TCP connection within
    :data:`CONNECT_TIMEOUT` seconds.

    Raises:
        ScenarioError: ``--scheduler`` without ``--backend dask``, Dask missing, a malformed
            address, or no answer.

    """
    if backend != "dask":
        if scheduler is not None:
            raise ScenarioError("--scheduler", "", "is used only with --backend dask")
        return
    if importlib.util.find_spec("distributed") is None:
        raise ScenarioError("--backend", "dask", "Dask is not installed; install it with: "
                            "pip install 'acsim[distributed]'")
    if scheduler is None:
        return
    text = scheduler.strip()
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    if parts.scheme not in ("tcp", "tls", "ws", "wss"):
        raise ScenarioError("--scheduler", "", f"expected tcp://HOST:PORT; got {scheduler!r}")
    try:
        host, port = parts.hostname, parts.port or DASK_PORT
    except ValueError:
        host = port = None
    if not host or parts.path not in ("", "/"):
        raise ScenarioError("--scheduler", "", f"expected tcp://HOST:PORT; got {scheduler!r}")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else _reason(exc)
        raise ScenarioError("--scheduler", "", f"cannot reach {host}:{port} within "
                            f"{CONNECT_TIMEOUT:g} s ({reason}); is the scheduler running?"
                            ) from None
    address = f"{parts.scheme}://{parts.netloc}"
    if not _dask_handshake(address):
        raise ScenarioError("--scheduler", "", f"{address} accepts connections but does not "
                            f"answer as a Dask scheduler within {CONNECT_TIMEOUT:g} s")


def _dask_handshake(address: str) -> bool:
    """Whether a Dask comm handshake with ``address`` completes within the timeout."""
    import asyncio

    from distributed.comm import connect

    async def shake() -> None:
        comm = await connect(address, timeout=CONNECT_TIMEOUT)
        await comm.close()

    try:
        asyncio.run(asyncio.wait_for(shake(), CONNECT_TIMEOUT + 1))
    except Exception:  # anything but a completed handshake: not a scheduler  # noqa: BLE001
        return False
    return True


def _reason(exc: OSError) -> str:
    """An OS error in a few words (``No space left on device``)."""
    if exc.strerror:
        return exc.strerror
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


def output_dir(path: Path | str | None, option: str) -> Path | None:
    """Create an output directory and test-write it; ``None`` passes through.

    A file of 1 MiB is written, synced and removed, so a directory that cannot take the results
    (an existing file, under ``/proc``, read-only, on a full disk) is found before any work.

    Args:
        path: The directory (created with its parents if missing).
        option: The option that named it, for errors (``"--out"``).

    Returns:
        The directory.

    Raises:
        ScenarioError: It is not a directory, cannot be created, or cannot be written.

    """
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ScenarioError(option, str(p), "exists and is not a directory")
    created = [d for d in (p, *p.parents) if not d.exists()]
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(created)
        raise ScenarioError(option, str(p), f"cannot create the directory: {_reason(exc)}"
                            ) from None
    probe = p / f".acsim-write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            block = memoryview(b"\0" * _PROBE_BYTES)
            while block:  # a short write on a nearly full disk: the next one says why
                block = block[os.write(fd, block):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        _unlink(probe)
        _remove_empty(created)
        raise ScenarioError(option, str(p), f"cannot write here: {_reason(exc)}") from None
    _unlink(probe)
    return p


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _remove_empty(created: list[Path]) -> None:
    """Remove the directories this check created (innermost first; only if still empty)."""
    for d in created:
        try:
            d.rmdir()
        except OSError:
            return


def write_error(option: str, path: Path | str, exc: OSError) -> ScenarioError:
    """The error for results that could not be written after the run (the disk filled up)."""
    return ScenarioError(option, str(path), f"could not write the results: {_reason(exc)}")


def check_writable_file(path: Path | str, option: str) -> None:
    """A file that will be rewritten in place exists and may be opened for writing.

    The file is opened for update and closed, unchanged.

    Raises:
        ScenarioError: It is missing, or cannot be opened for writing.

    """
    p = Path(path)
    try:
        with open(p, "r+b"):
            pass
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise ScenarioError(option, str(p), "file not found") from None
        raise ScenarioError(option, str(p), f"cannot write this file: {_reason(exc)}") from None
