import numpy as np
import pytest

from acsim.model.rng import Stream, StreamSet


@pytest.mark.parametrize("root", [0, 1, 2020, 2**40 + 17, 2**130 + 5])
def test_streams_are_bit_identical_to_numpy_seedsequence(root):
    keys = np.array([0, 1, 2, 999, 123456, 2**32 - 1])
    s = StreamSet(root, replication=3, stream=Stream.EXITS, keys=keys, block=4)
    for j, key in enumerate(keys):
        ss = np.random.SeedSequence(root, spawn_key=(3, int(Stream.EXITS), int(key)))
        words = ss.generate_state(12, np.uint64)
        expected = (words >> np.uint64(11)).astype(np.float64) / 2.0**53
        got = [s.uniform(int(key), i) for i in range(12)]  # 4 vectorised, 8 lazy
        assert got == list(expected), f"key {key}"
        assert np.array_equal(s.matrix()[j], expected[:4])


def test_streams_differ_by_replication_stream_and_key():
    keys = np.arange(100)
    a = StreamSet(1, 0, Stream.EXITS, keys).matrix()
    b = StreamSet(1, 1, Stream.EXITS, keys).matrix()
    c = StreamSet(1, 0, Stream.ATTRIBUTES, keys).matrix()
    assert not np.isin(a, b).any() and not np.isin(a, c).any()
    assert len(np.unique(a)) == a.size


def test_uniforms_look_uniform():
    from scipy import stats

    u = StreamSet(7, 0, Stream.EXITS, np.arange(20000), block=2).matrix().ravel()
    assert stats.kstest(u, "uniform").pvalue > 0.001
