"""core.shape: a dense architecture drawn for a size alone, in Llama 3's proportions."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute.core.params import count_params
from xlcompute.core.shape import GENERIC_MAX_PARAMS, GENERIC_MIN_PARAMS, generic_dense_arch


@pytest.mark.parametrize("params", np.geomspace(GENERIC_MIN_PARAMS, GENERIC_MAX_PARAMS, 400))
def test_the_shape_counts_the_size_in_llama_3_proportions(params: float) -> None:
    a = generic_dense_arch(float(params))
    assert abs(count_params(a).total / params - 1) <= 0.012  # the module docstring's bound
    assert a.head_dim == 128 and a.kv_heads == 8 and a.heads % 8 == 0 and a.hidden == 128 * a.heads
    assert 3.3 <= a.ffn_hidden / a.hidden <= 3.7 and a.ffn_hidden % 256 == 0 and a.gated_ffn
    assert 64 <= a.hidden / a.layers <= 256 and a.vocab == 128_256
    assert a.tied_embeddings == (params < 5e9) and a.experts == 0


def test_at_8b_it_is_llama_3_8b() -> None:
    a = generic_dense_arch(8.03e9)
    assert (a.layers, a.hidden, a.heads, a.ffn_hidden) == (32, 4096, 32, 14336) and a.name == "Dense-8.03B"
    assert generic_dense_arch(1e12).name == "Dense-1T"


@pytest.mark.parametrize("params", [5e8, 2e13])
def test_outside_its_range_it_refuses(params: float) -> None:
    with pytest.raises(ValueError, match="a generic dense shape covers 1B to 10T parameters"):
        generic_dense_arch(params)
