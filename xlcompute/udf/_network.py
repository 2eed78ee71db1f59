"""Excel functions for communication: the seed's run traffic and a ring all-reduce
(:mod:`xlcompute.core.comm`)."""

from __future__ import annotations

from typing import Any

from xlcompute import _udf_args as a
from xlcompute.core import comm, units
from xlcompute.udf._models import stored_params
from xlcompute.udf._register import GPUS, HIDDEN, LAYERS, PARAMS_STORED, SEQ, TOKENS, excel

__all__ = ["COMM_DP", "COMM_PP", "COMM_TP", "ALLREDUCE_SECONDS"]


@excel(
    {
        "params": PARAMS_STORED,
        "tokens": TOKENS,
        "batch": "Global batch in sequences.",
        "seq_len": SEQ,
    }
)
def COMM_DP(params: Any, tokens: Any, batch: Any, seq_len: Any) -> float:
    """Data-parallel traffic of a training run T·P/(b·s), in elements (values) as printed in seed 000
    eq. 7 (× bytes per value for bytes)."""
    return float(
        comm.comm_dp_seed(
            a.train_tokens(tokens), stored_params(params), a.positive(batch, "batch"), a.whole(seq_len, "seq_len")
        )
    )


@excel({"gpus": GPUS, "hidden": HIDDEN, "tokens": TOKENS})
def COMM_PP(gpus: Any, hidden: Any, tokens: Any) -> float:
    """Pipeline-parallel traffic of a training run 2·n·h·T, in elements (values) (seed 000 eq. 8)."""
    return float(comm.comm_pp_seed(a.whole(gpus, "gpus"), a.whole(hidden, "hidden"), a.train_tokens(tokens)))


@excel({"hidden": HIDDEN, "layers": LAYERS, "gpus": GPUS, "tokens": TOKENS})
def COMM_TP(hidden: Any, layers: Any, gpus: Any, tokens: Any) -> float:
    """Tensor-parallel traffic of a training run 4·h·l·n·T, in elements (values) (seed 000 eq. 9)."""
    return float(
        comm.comm_tp_seed(
            a.whole(hidden, "hidden"), a.whole(layers, "layers"), a.whole(gpus, "gpus"), a.train_tokens(tokens)
        )
    )


@excel(
    {
        "message_bytes": "Bytes to all-reduce, e.g. 14G for 7B bf16 gradients.",
        "n": "GPUs in the ring, a whole number.",
        "link_gbps": "Link bandwidth per GPU per direction in Gbit/s, e.g. 400 for 400G InfiniBand.",
    }
)
def ALLREDUCE_SECONDS(message_bytes: Any, n: Any, link_gbps: Any) -> float:
    """Seconds for a bandwidth-bound ring all-reduce, 2(n-1)/n × bytes / link; link in Gbit/s (÷ 8 for
    bytes), no latency."""
    link = a.positive(link_gbps, "link_gbps", unit="Gbit/s")
    if link > 1e5:
        raise a.UdfArgumentError(f"link_gbps is in Gbit/s and must be at most 100000, got {a.show(link_gbps)}")
    return float(
        comm.allreduce_seconds(
            a.non_negative(message_bytes, "message_bytes", unit="bytes"),
            a.whole(n, "n"),
            units.gbit_to_bytes_per_s(link),
        )
    )
