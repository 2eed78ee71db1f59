"""A deduplicating token dispatcher (DeepEP, HybridEP) sends a token once to every other server holding one of
its experts ([DEEPEP]; DeepSeek-V3 §3.2.2), where Megatron-Core's alltoall sends one copy per expert."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute.core.expr import Ref, evaluate, excel_formula
from xlcompute.core.moe import a2a_remote_servers, a2a_seconds_per_layer


def test_remote_servers_by_hand() -> None:
    # 8 experts over 4 servers: 4·(1 − (3/4)^8) = 3.600 distinct, of which 3/4 remote
    assert a2a_remote_servers(8, 4, 0, 0) == pytest.approx(4 * (1 - 0.75 ** 8) * 3 / 4)
    # DeepSeek-V3 (n_group 8, topk_group 4) over 16 servers: 4 groups of 2 servers = 8 candidates
    assert a2a_remote_servers(8, 16, 8, 4) == pytest.approx(8 * (1 - (7 / 8) ** 8) * 15 / 16)
    # over 8 servers the limit is 4 servers
    assert a2a_remote_servers(8, 8, 8, 4) == pytest.approx(4 * (1 - 0.75 ** 8) * 7 / 8)
    assert a2a_remote_servers(8, 1, 0, 0) == 0  # inside one server
    # never more remote servers than other servers, nor than the k experts
    for k in (1, 2, 6, 8, 32):
        for n in (2, 4, 16, 64):
            r = a2a_remote_servers(k, n, 0, 0)
            assert 0 < r <= min(k, n - 1) + 1e-12


def _a2a(dedup: int, ep: int, top_k: int = 8, groups: int = 0, limit: int = 0) -> float:
    a2a_bytes = 100e6  # one card's plain all-to-all bytes of one layer and micro-batch
    return a2a_seconds_per_layer(a2a_bytes, ep, 1, 8, 450e9, 1.0, 50e9, 1.0, 1.0, 0.0, 0, dedup, top_k, groups, limit)


def test_dedup_only_changes_an_all_to_all_across_servers() -> None:
    assert _a2a(1, 8) == _a2a(0, 8)  # inside one server: the same
    plain, once = _a2a(0, 32), _a2a(1, 32)
    # 4 servers, top-8: a plain all-to-all sends 8·31/32·24/31 = 6 copies off the server, the deduplicating
    # one 2.70 (each of 4 passes: the network bytes over 50 GB/s)
    token = 100e6 / (8 * 31 / 32)
    assert plain == pytest.approx(4 * 100e6 * (24 / 31) / 50e9)
    assert once == pytest.approx(4 * token * a2a_remote_servers(8, 4, 0, 0) / 50e9)
    assert once < plain
    # group-limited routing lowers it further at 16 servers
    assert _a2a(1, 128, 8, 8, 4) < _a2a(1, 128)


def test_the_formula_is_the_same_for_numbers_arrays_and_excel_text() -> None:
    ep = np.array([8, 32, 128], dtype=float)
    arr = a2a_seconds_per_layer(100e6, ep, 1, 8, 450e9, 1.0, 50e9, 1.0, 1.0, 0.0, 0, 1, 8, 8, 4)
    for i, e in enumerate(ep):
        assert arr[i] == pytest.approx(_a2a(1, int(e), 8, 8, 4))
    names = ("k", "n", "g", "l")
    expr = a2a_remote_servers(*(Ref(x) for x in names))
    assert "^" in excel_formula(expr)
    for args in ((8, 16, 8, 4), (8, 4, 0, 0), (6, 2, 8, 3), (8, 1, 0, 0)):
        assert evaluate(expr, dict(zip(names, map(float, args)))) == pytest.approx(a2a_remote_servers(*args))
