"""A dense architecture for a model known only by its size.

A buyer planning "a 100B model of our own" knows its parameter count, not its layers. The step-time
model, memory and network need a shape, so :func:`generic_dense_arch` draws one in today's dense
proportions, from the published configurations of Llama 3 (Dubey et al. 2024, arXiv:2407.21783,
Table 3, and the models' ``config.json``):

* head size 128 and 8 key/value heads (grouped-query attention; Ainslie et al. 2023,
  arXiv:2305.13245): every Llama 3 size;
* width about 128 per layer (8B: 4,096 / 32 = 128; 405B: 16,384 / 126 = 130; 70B: 8,192 / 80 =
  102), in whole groups of 8 heads; Kaplan et al. 2020 (arXiv:2001.08361, Fig. 5) find the loss
  within a few per cent over widths of 50 to 200 per layer, so the choice is a planning one;
* a SwiGLU MLP about 3.5 times the width (Llama 3 8B and 70B), set in multiples of 256 so that the
  count comes out at the size given; the 128,256-token vocabulary; embeddings tied below 5B
  parameters (Llama 3.2 1B and 3B tie them, 8B and up do not).

The layer count and the heads (whole groups of 8) are the pair whose width per layer is nearest
128 with that MLP; the MLP width then makes up the count. At 8.03B this is Llama 3 8B's own shape
(32 layers, width 4,096, 32 heads, MLP 14,336); at 405.9B it is 119 layers where Llama 3.1 has 126
(width 16,384 and 128 heads alike). The shape is a planning assumption: the count is the user's
(``model.params`` overrides the shape's own, which is within 1.2 % of it from 1B to 10T), and
what the shape moves (attention FLOPs, activation memory, which tp and pp divide it)
moves by little across shapes of one size.
"""

from __future__ import annotations

import math

from xlcompute.core.params import ModelArch, count_params

__all__ = [
    "GENERIC_MIN_PARAMS",
    "GENERIC_MAX_PARAMS",
    "generic_dense_arch",
]

GENERIC_MIN_PARAMS = 1e9
"""Below this the vocabulary alone is a third of the model and no Llama-style proportion holds."""
GENERIC_MAX_PARAMS = 1e13
"""10T: beyond the largest dense model published, within the architecture's bounds."""

_HEAD_DIM = 128
_KV_HEADS = 8
_WIDTH_PER_LAYER = 128
_VOCAB = 128_256
_TIED_BELOW = 5e9
_FFN_MULTIPLE = 256
_FFN_RATIO = 3.5  # Llama 3 8B and 70B: 14,336 / 4,096 and 28,672 / 8,192


def _layer_params(hidden: int, ffn: float) -> float:
    """One block: query and output h² each, keys and values over 8 heads of 128, SwiGLU 3·h·ffn, 2 norms."""
    return 2 * hidden * hidden + 2 * hidden * _KV_HEADS * _HEAD_DIM + 3 * hidden * ffn + 2 * hidden


def _body(params: float, hidden: int, tied: bool) -> float:
    """The parameters left for the blocks: all but the embedding, the head (untied) and the final norm."""
    return params - _VOCAB * hidden * (1 if tied else 2) - hidden


def _label(params: float) -> str:
    return f"{params / 1e12:.3g}T" if params >= 1e12 else f"{params / 1e9:.3g}B"


def generic_dense_arch(params: float) -> ModelArch:
    """A Llama-3-proportioned dense architecture of about ``params`` parameters (module docstring:
    sources and rules), for ``GENERIC_MIN_PARAMS ≤ params ≤ GENERIC_MAX_PARAMS``. Raises
    :class:`ValueError` outside that range."""
    if not GENERIC_MIN_PARAMS <= params <= GENERIC_MAX_PARAMS:
        raise ValueError(f"a generic dense shape covers {_label(GENERIC_MIN_PARAMS)} to "
                         f"{_label(GENERIC_MAX_PARAMS)} parameters (got {params:.3g})")
    tied = params < _TIED_BELOW
    best: tuple[float, int, int] | None = None  # (distance from the width per layer, layers, heads)
    for groups in range(1, 1 + int(params ** 0.5 // (_HEAD_DIM * _KV_HEADS)) + 1):
        heads = groups * _KV_HEADS
        hidden = heads * _HEAD_DIM
        layers = round(_body(params, hidden, tied) / _layer_params(hidden, _FFN_RATIO * hidden))
        if layers >= 2:
            distance = abs(math.log(hidden / layers / _WIDTH_PER_LAYER))
            if best is None or distance < best[0]:
                best = (distance, layers, heads)
    if best is None:  # unreachable within the range: one group of heads always leaves two layers
        raise ValueError(f"no dense shape of {params:.3g} parameters")
    _, layers, heads = best
    hidden = heads * _HEAD_DIM
    # The MLP width that makes the count come out at params (Llama 3: 3.25-3.5 times the width).
    ffn = (_body(params, hidden, tied) / layers - _layer_params(hidden, 0)) / (3 * hidden)
    ffn_hidden = max(_FFN_MULTIPLE, _FFN_MULTIPLE * round(ffn / _FFN_MULTIPLE))
    arch = ModelArch(name=f"Dense-{_label(params)}", layers=layers, hidden=hidden, heads=heads,
                     kv_heads=_KV_HEADS, head_dim=_HEAD_DIM, ffn_hidden=ffn_hidden, vocab=_VOCAB,
                     tied_embeddings=tied)
    count_params(arch)  # a shape the exact count accepts
    return arch
