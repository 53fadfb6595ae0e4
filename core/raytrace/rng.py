"""Counter-based random numbers (SplitMix64): one independent stream per pixel, so a Monte
Carlo result depends on the seed and the pixel only, never on the thread count."""

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(cache=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True)
def stream_state(seed: int, stream: int) -> np.ndarray:
    """The state (a 1-element uint64 array) of stream ``stream`` for ``seed``."""
    state = np.empty(1, dtype=np.uint64)
    state[0] = _mix64(_mix64(np.uint64(seed) + _GOLDEN) ^ (np.uint64(stream) * _GOLDEN))
    return state


@numba.njit(cache=True, inline="always")
def uniform(state: np.ndarray) -> float:
    """Next number in [0, 1)."""
    state[0] += _GOLDEN
    return float(_mix64(state[0]) >> np.uint64(11)) * _TO_UNIT
