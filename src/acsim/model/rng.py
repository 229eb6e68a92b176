"""Random streams derived from one root seed, per (replication, stream, jobseeker).

Every random number in a run comes from
``numpy.random.SeedSequence(root, spawn_key=(replication, stream, key))``. Constructing a
``SeedSequence`` costs about 50 microseconds, too much for one per jobseeker and stream, so
this module evaluates NumPy's SeedSequence hash *vectorised over keys*. The words are
bit-identical to ``SeedSequence(root, spawn_key=(replication, stream, key)).generate_state(n,
numpy.uint64)`` (tested), and a word at any index can be computed on its own, so a jobseeker's
stream is an indexable, unbounded sequence of uniforms.

Because a jobseeker's draws depend only on (root, replication, stream, jobseeker id, draw index),
the same jobseeker gets the same numbers in every scenario: common random numbers.
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np

__all__ = ["Stream", "StreamSet", "root_entropy", "spawn_generator"]

_MASK32 = 0xFFFFFFFF
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_XSHIFT = 16
_POOL = 4
_TWO53 = 1.0 / 9007199254740992.0


class Stream(IntEnum):
    """Named streams. The integer values are part of the seed derivation: never renumber."""

    INFLOW = 0
    ATTRIBUTES = 1
    EXITS = 2
    PROGRAMMES = 3
    CASEWORKERS = 4
    SCREENING = 5
    ASSIGNMENT = 6


def _words32(value: int) -> list[int]:
    """Split a non-negative int into little-endian uint32 words (NumPy's coercion)."""
    if value < 0:
        raise ValueError("seed components must be non-negative")
    if value == 0:
        return [0]
    words = []
    while value:
        words.append(value & _MASK32)
        value >>= 32
    return words


def root_entropy(seed: int | None) -> int:
    """Return the root entropy for a seed; ``None`` draws fresh entropy (not reproducible)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def spawn_generator(
    root: int, replication: int, stream: Stream, key: int = 0
) -> np.random.Generator:
    """A NumPy Generator for a whole stream, e.g. the inflow of one replication."""
    ss = np.random.SeedSequence(root, spawn_key=(replication, int(stream), key))
    return np.random.Generator(np.random.PCG64(ss))


def _hash_consts(init: int, mult: int, n: int) -> list[int]:
    """The first ``n`` values of SeedSequence's hash constant ``init * mult**i`` (mod 2**32)."""
    consts = []
    h = init
    for _ in range(n):
        consts.append(h)
        h = (h * mult) & _MASK32
    return consts


def _pools(root: int, prefix: tuple[int, ...], keys: np.ndarray) -> np.ndarray:
    """SeedSequence pools (shape ``(len(keys), 4)``, uint32) for spawn keys ``prefix + (key,)``."""
    run = _words32(root)
    if len(run) < _POOL:
        run = run + [0] * (_POOL - len(run))
    fixed = run + [w for p in prefix for w in _words32(int(p))]
    keys = np.asarray(keys, dtype=np.uint64)
    if keys.size and int(keys.max()) > _MASK32:
        raise ValueError("stream keys must be below 2**32")
    n = keys.shape[0]
    entropy = [np.full(n, w, dtype=np.uint32) for w in fixed] + [keys.astype(np.uint32)]
    n_hash = _POOL + _POOL * (_POOL - 1) + (len(entropy) - _POOL) * _POOL
    consts = [np.uint32(c) for c in _hash_consts(_INIT_A, _MULT_A, n_hash)]
    ci = iter(consts)

    def hashmix(value: np.ndarray) -> np.ndarray:
        c = next(ci)
        value = value ^ c
        value = value * np.uint32((int(c) * _MULT_A) & _MASK32)
        return value ^ (value >> np.uint32(_XSHIFT))

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        r = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
        return r ^ (r >> np.uint32(_XSHIFT))

    # NumPy's hash constant is advanced *before* multiplying: value *= (hash_const *= MULT_A).
    mixer = [hashmix(entropy[i]) for i in range(_POOL)]
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                mixer[i_dst] = mix(mixer[i_dst], hashmix(mixer[i_src]))
    for i_src in range(_POOL, len(entropy)):
        for i_dst in range(_POOL):
            mixer[i_dst] = mix(mixer[i_dst], hashmix(entropy[i_src]))
    return np.stack(mixer, axis=1)


_B_CONSTS = _hash_consts(_INIT_B, _MULT_B, 64)


def _state_word(pool: tuple[int, int, int, int], i: int) -> int:
    """The i-th uint32 word of ``generate_state`` for one pool (pure Python, any i)."""
    if i < len(_B_CONSTS):
        c = _B_CONSTS[i]
    else:
        c = (_INIT_B * pow(_MULT_B, i, 1 << 32)) & _MASK32
    v = pool[i % _POOL] ^ c
    v = (v * ((c * _MULT_B) & _MASK32)) & _MASK32
    return v ^ (v >> _XSHIFT)


class StreamSet:
    """Per-key uniform streams for one (root, replication, stream).

    Args:
        root: Root entropy (see :func:`root_entropy`).
        replication: Replication index.
        stream: Which named stream.
        keys: The keys (jobseeker or caseworker ids) to prepare; more can be added later.
        block: Uniforms per key computed vectorised up front; later draws are computed lazily.

    """

    def __init__(
        self, root: int, replication: int, stream: Stream, keys: np.ndarray, block: int = 8
    ) -> None:
        self.root = root
        self.prefix = (replication, int(stream))
        self.block = block
        keys = np.asarray(keys, dtype=np.int64)
        self._pools = _pools(root, self.prefix, keys)
        self._first = self._uniforms_vectorised(self._pools, block)
        self._index = dict(zip(keys.tolist(), range(len(keys)), strict=True))
        # Python floats for the per-draw lookups, one flat list (row j starts at j * block):
        # no list per key to allocate.
        self._flat = self._first.ravel().tolist()

    @staticmethod
    def _uniforms_vectorised(pools: np.ndarray, n: int) -> np.ndarray:
        n32 = 2 * n
        consts = _hash_consts(_INIT_B, _MULT_B, n32)
        words = np.empty((pools.shape[0], n32), dtype=np.uint32)
        for i in range(n32):
            c = np.uint32(consts[i])
            v = pools[:, i % _POOL] ^ c
            v = v * np.uint32((consts[i] * _MULT_B) & _MASK32)
            words[:, i] = v ^ (v >> np.uint32(_XSHIFT))
        u64 = words.view(np.uint64)  # little-endian pairs, as NumPy's generate_state(uint64)
        return (u64 >> np.uint64(11)).astype(np.float64) * _TWO53

    def matrix(self) -> np.ndarray:
        """The first ``block`` uniforms of every key, shape ``(n_keys, block)``."""
        return self._first

    def uniform(self, key: int, i: int) -> float:
        """The i-th uniform in [0, 1) of a key's stream."""
        j = self._index[key]
        block = self.block
        if i < block:
            return self._flat[j * block + i]
        pool = tuple(int(x) for x in self._pools[j])
        lo = _state_word(pool, 2 * i)
        hi = _state_word(pool, 2 * i + 1)
        return (((hi << 32) | lo) >> 11) * _TWO53

    def exponential(self, key: int, i: int) -> float:
        """The i-th Exp(1) draw of a key's stream (inverse transform of :meth:`uniform`)."""
        return -math.log1p(-self.uniform(key, i))
