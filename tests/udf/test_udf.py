"""The Excel functions: every UDF equals its core formula, the seed worked examples come out of the
cells a finance user would type, text suffixes and card names parse, and the module works with no
Excel present (these tests run on Linux, where ``xlwings.func`` returns the function unchanged)."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import xlcompute.udf as udf
from xlcompute.catalog import get_gpu, get_model, gpus, models
from xlcompute.core import arith, comm, compute, cost, memory, parallel, schedule, serving, units
from xlcompute.core import params as core_params

A100 = 312e12  # FLOP/s, dense bf16 (NVIDIA A100 datasheet; the seed 001 figure)
H800 = get_gpu("H800").bf16_tflops * 1e12
LLAMA2_70B = get_model("llama2-70b").param_count.active  # exact count of the architecture (dense: all)


# -- every UDF equals the core formula (same value, units converted at the edge) ---------------

CORE_CASES: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
    ("LLM_PARAMS", lambda: udf.LLM_PARAMS(80, 8192, 128256, 28672, 64, 8, 1),
     lambda: core_params.params_dense(80, 8192, 128256, 28672, 64, 8, 1)),
    ("LLM_PARAMS_12LH2", lambda: udf.LLM_PARAMS_12LH2(40, 5120), lambda: core_params.params_12lh2(40, 5120)),
    ("LLM_TRAIN_FLOPS", lambda: udf.LLM_TRAIN_FLOPS("70B", "2T"), lambda: compute.train_flops(70e9, 2e12, 0)),
    ("LLM_TRAIN_FLOPS recompute", lambda: udf.LLM_TRAIN_FLOPS("70B", "2T", 1),
     lambda: compute.train_flops(70e9, 2e12, 1)),
    ("LLM_TRAIN_FLOPS_ATTN", lambda: udf.LLM_TRAIN_FLOPS_ATTN("72B", "7T", 32768, 80, 8192),
     lambda: compute.train_flops_attn(72e9, 7e12, 32768, 80, 8192, 0)),
    ("LLM_ITER_FLOPS", lambda: udf.LLM_ITER_FLOPS(1536, 2048, 96, 12288, 51200, True),
     lambda: compute.iter_flops_megatron(1536, 2048, 96, 12288, 51200, 1)),
    # The training functions count model FLOPs as the estimate does (compute.train_flops_attn, r = 0):
    # without a shape the attention term is 0 (6PT), with seq_len, layers, hidden w = hidden.
    ("LLM_TRAIN_DAYS", lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4),
     lambda: schedule.train_days(compute.train_flops_attn(70e9, 2e12, 0, 0, 0), 1000, H800, 0.4)),
    ("LLM_TRAIN_DAYS 6PT", lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4),
     lambda: schedule.train_days(compute.train_flops_6tp(70e9, 2e12), 1000, H800, 0.4)),
    ("LLM_TRAIN_DAYS shape", lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 0.4, 4096, 80, 8192),
     lambda: schedule.train_days(compute.train_flops_attn(70e9, 2e12, 4096, 80, 8192), 1000, H800, 0.4)),
    ("LLM_TRAIN_DAYS model", lambda: udf.LLM_TRAIN_DAYS("llama2-70b", "2T", 1000, "H800", 0.4),
     lambda: schedule.train_days(compute.train_flops_attn(LLAMA2_70B, 2e12, 4096, 80, 8192), 1000, H800, 0.4)),
    ("LLM_TRAIN_GPU_HOURS", lambda: udf.LLM_TRAIN_GPU_HOURS("70B", "2T", 312, 0.4),
     lambda: schedule.gpu_hours(compute.train_flops_attn(70e9, 2e12, 0, 0, 0), A100, 0.4)),
    ("LLM_TRAIN_GPU_HOURS model", lambda: udf.LLM_TRAIN_GPU_HOURS("Llama 2 70B", "2T", 312, 0.4, 8192),
     lambda: schedule.gpu_hours(compute.train_flops_attn(LLAMA2_70B, 2e12, 8192, 80, 8192), A100, 0.4)),
    ("LLM_GPUS_FOR_DAYS", lambda: udf.LLM_GPUS_FOR_DAYS("70B", "2T", 30, "H800", 0.4),
     lambda: schedule.cards_for_days(compute.train_flops_attn(70e9, 2e12, 0, 0, 0), 30, H800, 0.4)),
    ("LLM_GPUS_FOR_DAYS shape", lambda: udf.LLM_GPUS_FOR_DAYS("70B", "2T", 30, "H800", 0.4, 4096, 80, 8192),
     lambda: schedule.cards_for_days(compute.train_flops_attn(70e9, 2e12, 4096, 80, 8192), 30, H800, 0.4)),
    ("LLM_TRAIN_COST", lambda: udf.LLM_TRAIN_COST("70B", "2T", 312, 0.4, 2.5),
     lambda: cost.rental_cost(schedule.gpu_hours(compute.train_flops_attn(70e9, 2e12, 0, 0, 0), A100, 0.4), 2.5)),
    ("LLM_TRAIN_COST model", lambda: udf.LLM_TRAIN_COST("llama2-70b", "2T", 312, 0.4, 2.5, 2048),
     lambda: cost.rental_cost(
         schedule.gpu_hours(compute.train_flops_attn(LLAMA2_70B, 2e12, 2048, 80, 8192), A100, 0.4), 2.5)),
    ("LLM_MFU", lambda: udf.LLM_MFU(400, "65.2B", "A100"),
     lambda: schedule.mfu_from_throughput(400, 65.2e9, A100, 0)),
    ("LLM_MFU_FROM_ITER", lambda: udf.LLM_MFU_FROM_ITER(60, 1536, 2048, 96, 12288, 51200, 1024, 312),
     lambda: schedule.mfu_from_iteration(60, 1536, 2048, 96, 12288, 51200, 1024, A100, 0)),
    ("ZERO_MEM", lambda: udf.ZERO_MEM("7.5B", 2, 64), lambda: memory.zero_bytes(7.5e9, 2, 64) / 1e9),
    ("ZERO_MEM bytes", lambda: udf.ZERO_MEM("7.5B", 1, 64, 4, 8), lambda: memory.zero_bytes(7.5e9, 1, 64, 4, 8) / 1e9),
    ("WEIGHTS_MEM", lambda: udf.WEIGHTS_MEM("70B", 1), lambda: memory.weights_bytes(70e9, 1) / 1e9),
    ("ACTIVATION_MEM", lambda: udf.ACTIVATION_MEM(80, 8192, 64, 4096, 1, 8, 1, "selective"),
     lambda: memory.activation_bytes(80, 4096, 8192, 64, 1, 8, 1, 1) / 1e9),
    ("KV_CACHE_MEM", lambda: udf.KV_CACHE_MEM(80, 8, 128, 8192, 16),
     lambda: memory.kv_cache_bytes(80, 8, 128, 8192, 16) / 1e9),
    ("FITS_GPU", lambda: udf.FITS_GPU(79, "H800"), lambda: bool(arith.fits(79e9, 80e9))),
    ("COMM_DP", lambda: udf.COMM_DP("70B", "2T", 1024, 4096), lambda: comm.comm_dp_seed(2e12, 70e9, 1024, 4096)),
    ("COMM_PP", lambda: udf.COMM_PP(1000, 8192, "2T"), lambda: comm.comm_pp_seed(1000, 8192, 2e12)),
    ("COMM_TP", lambda: udf.COMM_TP(8192, 80, 8, "2T"), lambda: comm.comm_tp_seed(8192, 80, 8, 2e12)),
    ("ALLREDUCE_SECONDS", lambda: udf.ALLREDUCE_SECONDS("14G", 64, 400),
     lambda: comm.allreduce_seconds(14e9, 64, units.gbit_to_bytes_per_s(400))),
    ("PARALLEL_GPUS", lambda: udf.PARALLEL_GPUS(32, 8, 4), lambda: parallel.parallel_cards(32, 8, 4, 1)),
    ("PARALLEL_GPUS cp", lambda: udf.PARALLEL_GPUS(8, 8, 16, 16), lambda: parallel.parallel_cards(8, 8, 16, 16)),
    ("GLOBAL_BATCH", lambda: udf.GLOBAL_BATCH(1, 32, 16), lambda: parallel.global_batch(1, 32, 16)),
    ("PIPELINE_BUBBLE", lambda: udf.PIPELINE_BUBBLE(4, 16), lambda: parallel.pipeline_bubble(4, 16)),
    ("LLM_INFER_FLOPS", lambda: udf.LLM_INFER_FLOPS("70B", 1000), lambda: compute.infer_flops(70e9, 1000)),
    ("LLM_INFER_CHIPS", lambda: udf.LLM_INFER_CHIPS(1000, "70B", 1000, 10, "H800", 0.3),
     lambda: serving.infer_cards(1000, compute.infer_flops(70e9, 1000), H800, 10, 0.3)),
    ("LLM_INFER_COST", lambda: udf.LLM_INFER_COST("70B", 1000, 312, 2.0, "50%"),
     lambda: serving.cost_per_request(compute.infer_flops(70e9, 1000), A100, 2.0, 0.5)),
    ("LLM_COST_PER_1K_TOKENS", lambda: udf.LLM_COST_PER_1K_TOKENS("175B", 312, 4.1, 0.5),
     lambda: serving.cost_per_1k_tokens(175e9, A100, 4.1, 0.5)),
    ("LLM_DECODE_TOKENS_PER_S", lambda: udf.LLM_DECODE_TOKENS_PER_S("70B", "H800", 2, 8),
     lambda: serving.decode_tokens_per_s(70e9, get_gpu("H800").hbm_bandwidth_bytes_per_s, 2, 8)),
    ("LLM_DECODE_TOKENS_PER_S TB/s", lambda: udf.LLM_DECODE_TOKENS_PER_S("70B", 3.35),
     lambda: serving.decode_tokens_per_s(70e9, 3.35e12)),
    ("ENERGY_KWH", lambda: udf.ENERGY_KWH(1000, 700, 24, 1.3), lambda: cost.energy_kwh(1000, 700, 24, 1.3)),
    ("ENERGY_KWH card", lambda: udf.ENERGY_KWH(1000, "H800", 24), lambda: cost.energy_kwh(1000, 700, 24, 1)),
    # No published TDP: the catalog's assumption (TPU v4's 192 W per 275 TFLOPS), the estimate's figure.
    ("ENERGY_KWH unpublished", lambda: udf.ENERGY_KWH(8, "TPUv5e", 24),
     lambda: cost.energy_kwh(8, cost.tdp_scaled_by_peak(192, 197, 275), 24, 1)),
    ("POWER_COST", lambda: udf.POWER_COST(1000, 700, 24, 0.8, 1.3),
     lambda: cost.power_cost(cost.energy_joules(1000, 700, 24 * 3600, 1.3), 0.8)),
]


@pytest.mark.parametrize(("label", "cell", "core"), CORE_CASES, ids=[c[0] for c in CORE_CASES])
def test_udf_equals_core(label: str, cell: Callable[[], Any], core: Callable[[], Any]) -> None:
    got, want = cell(), core()
    assert got == pytest.approx(want, rel=1e-12), label


def test_every_udf_has_a_core_case() -> None:
    covered = {label.split()[0] for label, _, _ in CORE_CASES}
    own = {"MODEL_SPEC", "GPU_SPEC", "GPU_LIST", "MODEL_LIST", "LLM_TRAIN_DAYS_TABLE"}  # tested below
    own |= {"LLM_BEST_LAYOUT", "LLM_PREDICTED_MFU"}  # tests/udf/test_udf_planner.py
    own |= {"TRAIN_MEM_PER_GPU"}  # the estimate's graph: tests/udf/test_udf_train_mem.py
    own |= {"LLM_ETTR"}  # the estimate's goodput steps: tests/udf/test_udf_mfu_contract.py
    own |= {"LLM_COMPARE"}  # xlcompute.compare (each row an estimate): tests/compare/test_compare_faces.py
    own |= {"LLM_CARD_NOTE"}  # compare.kernel_note, as LLM_COMPARE's note: tests/udf/test_udf_review48.py
    own |= {"LLM_TTFT", "LLM_TPOT", "LLM_SERVING_CARDS", "LLM_SERVING_COST"}  # the estimate's serving steps:
    # tests/estimate/test_serving_plan.py
    assert set(udf.udf_specs()) == covered | own


def test_train_days_table_equals_core_cell_by_cell() -> None:
    gpus_range, mfu_range = [256, 512, 1024], [0.3, 0.4, 0.5]
    table = udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", gpus_range, "H800", mfu_range)
    assert table[0] == ["GPUs \\ MFU", 0.3, 0.4, 0.5]
    assert [row[0] for row in table[1:]] == gpus_range
    flops = compute.train_flops_attn(70e9, 2e12, 0, 0, 0)
    for row, n in zip(table[1:], gpus_range):
        assert row[1:] == [schedule.train_days(flops, n, H800, m) for m in mfu_range]


def test_train_days_table_takes_the_same_count_as_train_days() -> None:
    for count in (("llama2-70b", "2T"), ("70B", "2T", 4096, 80, 8192)):
        args = (*count[:2], [256, 1024], "H800", [0.3, 0.45], *count[2:])
        table = udf.LLM_TRAIN_DAYS_TABLE(*args)
        for row in table[1:]:
            for mfu, days in zip(table[0][1:], row[1:]):
                assert days == udf.LLM_TRAIN_DAYS(*count[:2], row[0], "H800", mfu, *count[2:])


def test_train_days_table_accepts_a_2d_row_and_a_single_cell() -> None:
    # Excel passes a row range as [[...]] unless ndim=1 flattens it; both shapes work.
    row = udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", [[256.0, 512.0]], 312, 0.4)
    assert [r[0] for r in row[1:]] == [256, 512] and row[0] == ["GPUs \\ MFU", 0.4]
    assert row[1][1] == udf.LLM_TRAIN_DAYS("70B", "2T", 256, 312, 0.4)


def test_spec_functions_read_the_catalog() -> None:
    gpt3 = get_model("GPT-3")
    assert udf.MODEL_SPEC("GPT-3", "params") == gpt3.param_count.total
    assert udf.MODEL_SPEC("gpt3-175b", "Layers") == 96
    assert udf.MODEL_SPEC("llama-65b", "training_tokens") == 1.4e12
    assert udf.MODEL_SPEC("GPT-3", "source").startswith("Brown et al.")
    assert udf.GPU_SPEC("a100", "bf16_tflops") == 312
    assert udf.GPU_SPEC("H800", "hbm_gb") == 80
    assert udf.GPU_SPEC("H800", "hbm_tb_per_s") == pytest.approx(3.35)
    assert udf.GPU_SPEC("A100-80G", "inter_node_gbit_per_s") == pytest.approx(200)
    assert udf.GPU_SPEC("TPUv4", "hbm_gib") == pytest.approx(32)


def test_list_functions_spill_one_header_and_one_row_per_preset() -> None:
    g, m = udf.GPU_LIST(), udf.MODEL_LIST()
    assert g[0][0] == "gpu" and len(g) == len(gpus()) + 1
    assert m[0][0] == "model" and len(m) == len(models()) + 1
    assert all(len(r) == len(g[0]) for r in g) and all(len(r) == len(m[0]) for r in m)
    a100 = next(r for r in g if r[0] == "A100-80G")
    assert a100[g[0].index("bf16_tflops")] == 312 and a100[g[0].index("fp8_tflops")] == ""  # no FP8 on A100
    assert not any(cell is None for r in g + m for cell in r)  # blanks are "", never None


# -- seed worked examples (shared/reference/worked_examples.md) through the cells -------------


def test_seed_001_gpt3_training_days_acceptance() -> None:
    # #3: GPT-3 on 1000 A100 at 46.2% MFU, "about a month": 25.29 days.
    assert udf.LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 0.462) == pytest.approx(25.2930, abs=5e-5)
    assert udf.LLM_TRAIN_DAYS("175B", "300B", 1000, "A100", "46.2%") == pytest.approx(25.2930, abs=5e-5)


def test_seed_001_gpt3_compute_and_a100_hours() -> None:
    assert udf.LLM_TRAIN_FLOPS("175B", "300B") == pytest.approx(3.15e23)  # #1
    assert udf.LLM_TRAIN_GPU_HOURS("175B", "300B", 312, 0.462) == pytest.approx(607_032, abs=0.5)  # #2
    assert udf.LLM_TRAIN_GPU_HOURS("175B", "300B", 312, 0.462) / 24 == pytest.approx(25_293, abs=0.5)


def test_seed_001_gpt4() -> None:
    active = 2 * 111e9 + 55e9  # #4: two of 16 experts of 111B + 55B shared attention = 277B
    assert udf.LLM_TRAIN_FLOPS(active, "13T") == pytest.approx(2.1606e25, rel=1e-4)
    assert udf.LLM_TRAIN_GPU_HOURS(active, "13T", "A100", 0.36) == pytest.approx(53_433_642, abs=0.5)  # #5
    assert udf.LLM_TRAIN_DAYS("277B", "13T", 25000, "A100", "36%") == pytest.approx(89.06, abs=5e-3)


@pytest.mark.parametrize(
    ("layers", "hidden", "expected"),
    [(32, 4096, 6_442_450_944), (40, 5120, 12_582_912_000), (60, 6656, 31_897_681_920), (80, 8192, 64_424_509_440)],
)
def test_seed_003_params_12lh2_table(layers: int, hidden: int, expected: int) -> None:
    assert udf.LLM_PARAMS_12LH2(layers, hidden) == expected  # #9


def test_seed_003_model_file_and_training_hbm() -> None:
    assert udf.WEIGHTS_MEM("13B") == pytest.approx(26)  # #10: S = 2P
    assert udf.WEIGHTS_MEM("13B", 20) == pytest.approx(260)  # #11: S_train = 20P
    assert udf.ZERO_MEM("13B", 0, 1, 2, 16) == pytest.approx(260)  # the same 20 bytes as (2a + b)P
    assert udf.WEIGHTS_MEM("10T", 20) == pytest.approx(200_000)  # #18 (seed 004): 200 TB


def test_seed_003_gpt3_activation_memory() -> None:
    # #12: l·(34bsh + 5bs²a), l=96, s=2048, h=12288, a=96
    assert udf.ACTIVATION_MEM(96, 12288, 96, 2048, 1) == pytest.approx(275.41, abs=5e-3)
    assert udf.ACTIVATION_MEM(96, 12288, 96, 2048, 64) / 1000 == pytest.approx(17.627, abs=5e-4)


def test_seed_000_zero_memory_figures() -> None:
    # #14: P = 7.5e9, n = 64, a = 2, b = 12 (the ZeRO paper's Figure 1)
    got = [udf.ZERO_MEM("7.5B", stage, 64) for stage in range(4)]
    assert got[0] == pytest.approx(120)
    assert got[1] == pytest.approx(31.4, abs=0.01)
    assert got[2] == pytest.approx(16.6, abs=0.05)
    assert got[3] == pytest.approx(1.875)


def test_seed_004_llama65b_mfu() -> None:
    # #17: 1.4T tokens on 2048 A100-80GB in 21 days at 6PT, P = 65.2e9 → MFU ≈ 47%
    tokens_per_s_per_gpu = 1.4e12 / (2048 * 21 * 86_400)
    assert udf.LLM_MFU(tokens_per_s_per_gpu, "65.2B", "A100-80G") == pytest.approx(0.47, abs=0.005)


def test_seed_000_inference_and_communication_formulas() -> None:
    # #15, #16 are formulas; the cells reproduce them symbol for symbol.
    assert udf.COMM_DP(7e9, 1e12, 4, 2048) == 1e12 * 7e9 / (4 * 2048)
    assert udf.COMM_PP(8, 4096, 1e12) == 2 * 8 * 4096 * 1e12
    assert udf.COMM_TP(4096, 32, 8, 1e12) == 4 * 4096 * 32 * 8 * 1e12
    assert udf.LLM_INFER_FLOPS("7B", 1000) == 2 * 1000 * 7e9
    assert udf.LLM_INFER_CHIPS(100, "7B", 1000, 1, 312, 1) == math.ceil(100 * 2 * 1000 * 7e9 / 312e12)


def test_recompute_means_8pt() -> None:
    six, eight = udf.LLM_TRAIN_FLOPS("7B", "1T"), udf.LLM_TRAIN_FLOPS("7B", "1T", True)
    assert eight / six == pytest.approx(8 / 6)
    assert udf.LLM_TRAIN_FLOPS("7B", "1T", 1) == eight == udf.LLM_TRAIN_FLOPS("7B", "1T", "TRUE")
    assert udf.LLM_TRAIN_FLOPS("7B", "1T", 0) == six == udf.LLM_TRAIN_FLOPS("7B", "1T", False)
    assert udf.LLM_TRAIN_FLOPS("7B", "1T", None) == six  # empty optional cell
    assert udf.LLM_TRAIN_FLOPS("7B", "1T", "selective") == six  # selective redoes ~3%, not counted


def test_training_time_counts_model_flops_only() -> None:
    # One MFU contract: MFU is model FLOPs over peak, so recomputation is not an argument of the
    # time functions (it lowers the MFU reached). An old sheet's recompute cell gets a clear error.
    for name in ("LLM_TRAIN_DAYS", "LLM_TRAIN_GPU_HOURS", "LLM_GPUS_FOR_DAYS", "LLM_TRAIN_COST", "LLM_TRAIN_DAYS_TABLE"):
        assert "recompute" not in udf.udf_specs()[name].args
        args = list(udf.udf_specs()[name].args)
        # the planned path's cards come after them (LLM_TRAIN_GPU_HOURS, LLM_TRAIN_COST), never before
        tail = args[-5:] if args[-1] == "gpus" and name in ("LLM_TRAIN_GPU_HOURS", "LLM_TRAIN_COST") else args[-4:] + [""]
        assert tail[:4] == ["seq_len", "layers", "hidden", "ettr"]
    assert udf.LLM_TRAIN_DAYS("175B", "300B", 1000, 312, 0.462, 1).startswith(
        "#VALUE! recompute is no longer an argument"
    )


def test_attention_term_over_6pt() -> None:
    # seed 002: 3T(2P + 4·h·L·s) exceeds 6PT by 2·h·L·s/P, ~7.7% for Llama-2-70B at 4,096 tokens.
    six = udf.LLM_TRAIN_GPU_HOURS(LLAMA2_70B, "2T", "H800", 0.4)
    attn = udf.LLM_TRAIN_GPU_HOURS(LLAMA2_70B, "2T", "H800", 0.4, 4096, 80, 8192)
    assert attn / six == pytest.approx(1 + 2 * 8192 * 80 * 4096 / LLAMA2_70B, rel=1e-12)
    assert udf.LLM_TRAIN_GPU_HOURS("llama2-70b", "2T", "H800", 0.4) == pytest.approx(attn, rel=1e-12)


# -- suffixes and catalog names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("70B", 70e9), ("70b", 70e9), ("2T", 2e12), ("1.5万亿", 1.5e12), ("3亿", 3e8), ("1,000", 1e3),
     ("1.5万", 1.5e4), (" 7e9 ", 7e9), ("500M", 5e8), ("12,288", 12288)],
)
def test_text_suffixes(text: str, value: float) -> None:
    assert udf.LLM_INFER_FLOPS("1B", text) == compute.infer_flops(1e9, value)


def test_suffix_forms_give_the_same_days() -> None:
    ref = udf.LLM_TRAIN_DAYS(70e9, 2e12, 1000, 989.4, 0.4)
    assert udf.LLM_TRAIN_DAYS("70B", "2T", "1,000", "H800", "40%") == ref
    assert udf.LLM_TRAIN_DAYS("700亿", "2万亿", 1000.0, "h800", 0.4) == ref
    assert udf.LLM_TRAIN_DAYS("70,000,000,000", "2000B", "1K", 989.4, 0.4) == ref


@pytest.mark.parametrize(
    ("name", "key"), [("H800", "H800"), ("a100", "A100-80G"), ("A100 40GB", "A100-40G"), ("910B", "910B"),
                      ("4090", "RTX4090"), ("h100", "H100-SXM")]
)
def test_catalog_names_as_peak(name: str, key: str) -> None:
    card = get_gpu(key)
    assert udf.LLM_TRAIN_GPU_HOURS("7B", "1T", name, 0.4) == udf.LLM_TRAIN_GPU_HOURS("7B", "1T", card.bf16_tflops, 0.4)


def test_text_that_names_a_card_wins_over_a_number() -> None:
    # "910B" would parse as 910e9; as a peak it is the Ascend 910B card (376 TFLOPS).
    assert udf.LLM_TRAIN_GPU_HOURS("7B", "1T", "910B", 0.4) == udf.LLM_TRAIN_GPU_HOURS("7B", "1T", 376, 0.4)
    assert udf.LLM_TRAIN_GPU_HOURS("7B", "1T", "312", 0.4) == udf.LLM_TRAIN_GPU_HOURS("7B", "1T", 312, 0.4)


# A finance user types the model's name where a parameter count goes: memory and gradient traffic
# count every parameter (all experts), FLOPs the parameters active per token.
STORED_BY_NAME: list[tuple[str, Callable[[Any], Any]]] = [
    ("ZERO_MEM", lambda p: udf.ZERO_MEM(p, 1, 64)),
    ("WEIGHTS_MEM", lambda p: udf.WEIGHTS_MEM(p, 1)),
    ("COMM_DP", lambda p: udf.COMM_DP(p, "1T", 1024, 4096)),
]
ACTIVE_BY_NAME: list[tuple[str, Callable[[Any], Any]]] = [
    ("LLM_TRAIN_FLOPS", lambda p: udf.LLM_TRAIN_FLOPS(p, "1T")),
    ("LLM_INFER_FLOPS", lambda p: udf.LLM_INFER_FLOPS(p, 1000)),
    ("LLM_INFER_CHIPS", lambda p: udf.LLM_INFER_CHIPS(100, p, 1000, 10, "H800", 0.3)),
    ("LLM_INFER_COST", lambda p: udf.LLM_INFER_COST(p, 1000, "H800", 2)),
    ("LLM_COST_PER_1K_TOKENS", lambda p: udf.LLM_COST_PER_1K_TOKENS(p, "H800", 2)),
]


@pytest.mark.parametrize("key", ["mixtral-8x7b", "qwen2.5-72b"])
@pytest.mark.parametrize(("fn", "call"), STORED_BY_NAME, ids=[c[0] for c in STORED_BY_NAME])
def test_a_model_name_is_its_total_parameters_in_memory_and_traffic(fn: str, call: Any, key: str) -> None:
    assert call(key) == call(get_model(key).param_count.total)


@pytest.mark.parametrize("key", ["mixtral-8x7b", "qwen2.5-72b"])
@pytest.mark.parametrize(("fn", "call"), ACTIVE_BY_NAME, ids=[c[0] for c in ACTIVE_BY_NAME])
def test_a_model_name_is_its_active_parameters_in_flops(fn: str, call: Any, key: str) -> None:
    assert call(key) == call(get_model(key).param_count.active)


def test_model_names_in_the_seed_functions_as_the_docs_show() -> None:
    # docs/excel.md: =ZERO_MEM("llama2-70b",1,64) is ZeRO-1 over 64 cards of the 68.98B-parameter model.
    assert udf.ZERO_MEM("llama2-70b", 1, 64) == pytest.approx(memory.zero_bytes(LLAMA2_70B, 1, 64) / 1e9)
    moe = get_model("DeepSeek-R1").param_count
    assert udf.WEIGHTS_MEM("DeepSeek-R1", 1) == pytest.approx(moe.total / 1e9)  # 671 GB in FP8: all experts
    assert udf.LLM_TRAIN_FLOPS("DeepSeek-R1", "1T") == pytest.approx(6 * moe.active * 1e12)


def test_a_mistyped_count_is_answered_as_a_number_not_a_model() -> None:
    # "7,5B" (a decimal comma) is no model: the answer says how to write the number, not "did you mean gpt3-175b?".
    for text in (udf.ZERO_MEM("7,5B", 1, 8), udf.LLM_TRAIN_DAYS("7,5B", "1T", 8, "H100", 0.4)):
        assert "'7,5B' is not a number" in text and "suffixes" in text and "gpt3-175b" not in text
        assert 'or a catalog model name such as "llama2-70b"' in text


def test_fits_gpu_by_name_or_gb() -> None:
    assert udf.FITS_GPU(80, "H800") is True and udf.FITS_GPU(80.5, "H800") is False
    assert udf.FITS_GPU(90, "H20") is True and udf.FITS_GPU(90, 80) is False and udf.FITS_GPU("60", "80") is True


# -- Python face and no Excel ------------------------------------------------------------------


def test_acceptance_command_prints_25_29() -> None:
    code = "from xlcompute.udf import LLM_TRAIN_DAYS; print(LLM_TRAIN_DAYS('175B','300B',1000,312,0.462))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("25.29")


def test_module_imports_and_runs_without_excel_or_pywin32() -> None:
    # Block the Windows COM modules: importing the UDFs must not need Excel, pywin32 or a licence.
    code = (
        "import sys\n"
        "for m in ('pythoncom', 'pywintypes', 'win32com', 'win32api'):\n"
        "    sys.modules[m] = None\n"
        "import xlcompute.udf as u\n"
        "assert 'xlwings.udfs' not in sys.modules\n"
        "print(len(u.udf_specs()), round(u.ZERO_MEM('7.5B', 3, 64), 3))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(len(udf.udf_specs())), "1.875"]


def test_decorated_functions_are_the_plain_functions() -> None:
    # Off Windows xlwings.func returns its argument; the UDF keeps its name, docstring and signature.
    assert udf.LLM_TRAIN_DAYS.__name__ == "LLM_TRAIN_DAYS"
    assert udf.LLM_TRAIN_DAYS.__module__ == "xlcompute.udf"
    assert udf.LLM_TRAIN_DAYS.__doc__ == udf.udf_specs()["LLM_TRAIN_DAYS"].doc


def test_recompute_two_means_full_like_the_workbook_mode() -> None:
    # The workbook's recompute_mode cell holds 2 for full recomputation; functions read it the same.
    assert udf.LLM_TRAIN_FLOPS("7B", "1T", 2) == udf.LLM_TRAIN_FLOPS("7B", "1T", 1) == 8 * 7e9 * 1e12
    assert udf.ACTIVATION_MEM(32, 4096, 32, 2048, 1, 1, 0, 2) == udf.ACTIVATION_MEM(32, 4096, 32, 2048, 1, 1, 0, "full")
