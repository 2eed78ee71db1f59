"""Issue 12: every Excel function, given any value in any argument — Excel's largest number
±9.99E+307, a tiny 1e-308, NaN, infinities, a range where one cell belongs, garbage text, TRUE,
an empty cell — returns a result Excel can hold or ONE line of error text that names the argument.
It never raises and never returns inf or NaN. The guard in ``excel()`` is tested on its own too.
(The seeded fuzzing suite, tests/fuzz/test_udf_fuzz.py, covers the combinations.)"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

import xlcompute.udf as udf
from xlcompute._udf_args import UdfArgumentError
from xlcompute.udf._register import _guard, is_error

SPECS = udf.udf_specs()

# One valid call per function (every argument given, as Excel passes them).
BASE: dict[str, tuple[Any, ...]] = {
    "LLM_PARAMS": (32, 4096, 32000, 11008, 32, 8, 1),
    "LLM_PARAMS_12LH2": (96, 12288),
    "MODEL_SPEC": ("llama2-70b", "params"),
    "GPU_SPEC": ("H800", "hbm_gb"),
    "GPU_LIST": (),
    "MODEL_LIST": (),
    "LLM_TRAIN_FLOPS": ("175B", "300B", 0),
    "LLM_TRAIN_FLOPS_ATTN": ("175B", "300B", 2048, 96, 12288, 0),
    "LLM_ITER_FLOPS": (1536, 2048, 96, 12288, 51200, 0),
    "LLM_TRAIN_DAYS": ("70B", "2T", 1000, "H800", 0.4, 4096, 80, 8192, 0.9),
    "LLM_TRAIN_GPU_HOURS": ("70B", "2T", 312, 0.4, 4096, 80, 8192, 0.9, 1000),
    "LLM_GPUS_FOR_DAYS": ("70B", "2T", 30, "H800", 0.4, 4096, 80, 8192, 0.9),
    "LLM_TRAIN_COST": ("70B", "2T", "H800", 0.4, 2.5, 4096, 80, 8192, 0.9, 1000),
    "LLM_MFU": (376.8, "65.2B", "A100", 2048, 80, 8192),
    "LLM_MFU_FROM_ITER": (60, 1536, 2048, 96, 12288, 51200, 3072, 312, 0),
    "LLM_TRAIN_DAYS_TABLE": ("70B", "2T", [256.0, 512.0], "H800", [[0.3, 0.4]], 4096, 80, 8192, 0.9),
    "LLM_ETTR": (16384, "405B", 1.97e-5, 0.122, 10, 0.01, 30),
    "ZERO_MEM": ("7.5B", 2, 64, 2, 12),
    "WEIGHTS_MEM": ("13B", 2),
    "ACTIVATION_MEM": (96, 12288, 96, 2048, 1, 8, 1, "selective"),
    "KV_CACHE_MEM": (80, 8, 128, 4096, 16, 2),
    "TRAIN_MEM_PER_GPU": ("70B", 4096, 1, 8, 4, 32, 1, 80, 8192, 64, 1, 1, 8, 1, 1, 1, 1, 0, "bf16"),
    "FITS_GPU": (60, "H800"),
    "COMM_DP": ("7B", "1T", 1024, 4096),
    "COMM_PP": (64, 4096, "1T"),
    "COMM_TP": (4096, 32, 8, "1T"),
    "ALLREDUCE_SECONDS": ("14G", 64, 400),
    "PARALLEL_GPUS": (32, 8, 4, 1),
    "GLOBAL_BATCH": (1, 64, 16),
    "PIPELINE_BUBBLE": (4, 16),
    "LLM_INFER_FLOPS": ("70B", 1000),
    "LLM_INFER_CHIPS": (2000, "70B", 1000, 20, "H800", 0.5),
    "LLM_INFER_COST": ("70B", 1000, "H800", 2.5, 0.5),
    "LLM_COST_PER_1K_TOKENS": ("70B", "H800", 2.5, 0.5),
    "LLM_DECODE_TOKENS_PER_S": ("70B", "H800", 2, 8),
    "LLM_TTFT": ("llama2-70b", "H800", 500, 4, "bf16"),
    "LLM_TPOT": ("llama2-70b", "H800", 500, 500, 64, 4, "fp8"),
    "LLM_SERVING_CARDS": ("llama2-70b", "H800", 2000, 1000, 20, 500, 2, 0.2, "bf16", 0.9),
    "LLM_SERVING_COST": ("llama2-70b", "H800", 2000, 1000, 20, 9.75, 500, 2, 0.2, "bf16"),
    "ENERGY_KWH": (8, 700, 24, 1.3),
    "POWER_COST": (8, 700, 24, 0.1, 1.3),
    "LLM_BEST_LAYOUT": ("llama2-7b", "H800", 64, 4096, 256),
    "LLM_COMPARE": ("llama2-7b", "1T", 64, ["H800", "910B"], 0.4, 30, 0.9),
    "LLM_PREDICTED_MFU": ("llama2-7b", "H800", 64, 4096, 256, 2, 1),
    "LLM_CARD_NOTE": ("MI250X",),
}

HOSTILE: dict[str, Any] = {
    "9.99e307": 9.99e307,
    "-9.99e307": -9.99e307,
    "1e-308": 1e-308,
    "NaN": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "row range": [1.0, 2.0],
    "column range": [[1.0], [2.0]],
    "garbage text": "7\n0B\x00 😀",
    "suffix typo": "70BB",
    "long text": "9" * 5000,
    "TRUE": True,
}

# Words of the code below the cells that must never reach one.
INTERNAL = ("Traceback", "pydantic", "TransformerShape", "InputValue", "Execution", "cluster.", "training.",
            "model.preset", "xlcompute.", "could not compute")


def test_every_function_has_a_valid_base_call() -> None:
    assert set(BASE) == set(SPECS)
    for name, args in BASE.items():
        assert len(args) == len(SPECS[name].args), name
        result = getattr(udf, name)(*args)
        assert not is_error(result), (name, result)


def _fits(result: Any) -> bool:
    rows = result if isinstance(result, list) else [result]
    cells = [x for row in rows for x in (row if isinstance(row, list) else [row])]
    return all(isinstance(x, (str, bool)) or x is None
               or (isinstance(x, (int, float)) and math.isfinite(x)) for x in cells)


def _names(text: str, argument: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(argument)}(?![\w(])", text) is not None


@pytest.mark.parametrize("name", [n for n in SPECS if SPECS[n].args])
def test_hostile_value_in_any_argument(name: str) -> None:
    f = getattr(udf, name)
    problems = []
    for i, argument in enumerate(SPECS[name].args):
        for label, value in HOSTILE.items():
            args = list(BASE[name])
            args[i] = value
            result = f(*args)  # must not raise
            if not is_error(result):
                if not _fits(result):
                    problems.append(f"{argument}={label}: {result!r:.200}")
                continue
            if len(result.splitlines()) != 1 or not result.isprintable() or any(w in result for w in INTERNAL):
                problems.append(f"{argument}={label}: {result!r:.300}")
            elif not _names(result, argument):
                # A cross-argument refusal may name the other argument; it still names one of them.
                if not any(_names(result, a) for a in SPECS[name].args):
                    problems.append(f"{argument}={label}: names no argument: {result!r:.300}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # An overflowing product names the argument that makes it overflow, not inf.
        (lambda: udf.LLM_TRAIN_FLOPS("70B", 9.99e307),
         "#NUM! the result is too large for Excel (over ±1.8E+308): tokens = 9.99e+307 is too large; "
         "enter realistic values"),
        (lambda: udf.LLM_TRAIN_FLOPS(9.99e307, 9.99e307), "params = 9.99e+307 is too large, tokens = 9.99e+307"),
        (lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", 1e-308),
         "#NUM! the result is too large for Excel (over ±1.8E+308): mfu = 1e-308 is too small"),
        (lambda: udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", [8.0], "H800", [0.4, 1e-308]),
         "mfu_range = 1e-308 is too small"),
        (lambda: udf.WEIGHTS_MEM(9.99e307, 20), "#NUM! "),
        (lambda: udf.ENERGY_KWH(8, 700, 9.99e307), "hours = 9.99e+307 is too large"),
        (lambda: udf.ALLREDUCE_SECONDS(1e9, 8, 1e-308), "link_gbps = 1e-308 is too small"),
        # Whole numbers beyond Excel's 15 digits, negatives, NaN, infinities: the argument's own refusal.
        (lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 9.99e307, "H800", 0.4),
         "#VALUE! gpus must be a whole number ≤ 1,000,000,000,000,000, got 9.99e+307"),
        (lambda: udf.LLM_PARAMS_12LH2(-9.99e307, 4096), "#VALUE! layers must be a whole number ≥ 1, got -9.99e+307"),
        (lambda: udf.LLM_TRAIN_FLOPS(-9.99e307, "1T"), "#VALUE! params must be greater than 0, got -9.99e+307"),
        (lambda: udf.LLM_TRAIN_DAYS("70B", "2T", 1000, "H800", math.nan), "#VALUE! mfu: nan is not a finite number"),
        (lambda: udf.ZERO_MEM(math.inf, 1, 8), "#VALUE! params: inf is not a finite number"),
        (lambda: udf.PIPELINE_BUBBLE(4, 1e-308), "#VALUE! microbatches must be a whole number, got 1e-308"),
        (lambda: udf.LLM_MFU(-9.99e307, "70B", 312), "#VALUE! tokens_per_s_per_gpu must be greater than 0"),
        # A range where one cell belongs, garbage and long text.
        (lambda: udf.COMM_TP([[4096.0], [8192.0]], 32, 8, "1T"),
         "#VALUE! hidden must be a single cell or number, got a range"),
        (lambda: udf.GPU_SPEC(["H800"], "hbm_gb"), '#VALUE! gpu must be a card name such as "H800", got a range'),
        (lambda: udf.LLM_INFER_FLOPS("7\n0B", 1000), "#VALUE! params: '7\\n0B' is not a number"),
        (lambda: udf.FITS_GPU(60, "H\n800\x07"),
         "#VALUE! gpu must be a number (GB) or a card name; unknown accelerator"),
        (lambda: udf.LLM_TRAIN_DAYS("x" * 100_000, "2T", 8, "H800", 0.4),
         '#VALUE! params must be a parameter count (70B, 7e9) or a catalog model name such as "llama2-70b", got '
         '100,000 characters of text ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…")'),
        (lambda: udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", [8.0] * 10_001, "H800", [0.4]),
         "#VALUE! gpus_range holds 10,001 cells; select at most 10,000"),
        (lambda: udf.LLM_TRAIN_DAYS_TABLE("70B", "2T", [8.0] * 10_000, "H800", [[0.4] * 101]),
         "#VALUE! gpus_range × mfu_range would spill 10,000 × 101 cells; at most 1,000,000"),
        # A negative failure rate is refused; a job that would train under 1% of the time says why.
        (lambda: udf.LLM_ETTR(1024, "70B", -1), "#VALUE! failures_per_gpu_hour must be 0 or more, got -1"),
        (lambda: udf.LLM_ETTR(1024, "70B", None, None, None, None, "70B"),
         "#NUM! ETTR is below 1%: with failures_per_gpu_hour × gpus the job fails every"),
        (lambda: udf.LLM_ETTR(1024, "70B", 1), "#NUM! ETTR is below 1%"),
        (lambda: udf.MODEL_SPEC("mixtral-8x7b", "training_tokens"),
         "#VALUE! mixtral-8x7b has no training_tokens in the catalog (not published); choose another field or model"),
    ],
)
def test_hostile_value_messages(call: Any, expected: str) -> None:
    text = call()
    assert isinstance(text, str) and expected in text, text
    assert len(text.splitlines()) == 1 and text.isprintable(), text


def test_no_text_result_starts_like_an_error() -> None:
    # The docs tell users to test =LEFT(A1)="#": no catalog text may start with "#".
    from xlcompute.udf._catalog import _GPU_FIELDS, _MODEL_FIELDS

    for table in (udf.GPU_LIST(), udf.MODEL_LIST()):
        assert not any(isinstance(x, str) and x.startswith("#") for row in table for x in row)
    for row in udf.MODEL_LIST()[1:]:
        for field in _MODEL_FIELDS:
            value = udf.MODEL_SPEC(row[0], field)
            assert not isinstance(value, str) or not value.startswith("#") or " has no " in value
    for row in udf.GPU_LIST()[1:]:
        for field in _GPU_FIELDS:
            value = udf.GPU_SPEC(row[0], field)
            assert not isinstance(value, str) or not value.startswith("#") or " has no " in value


# -- the guard itself ---------------------------------------------------------------------


def test_guard_turns_failures_into_one_line_of_text() -> None:
    def overflow(x: Any) -> float:
        return 10.0**x

    def non_finite(x: Any) -> list[list[Any]]:
        return [["header", 1.0], [2, x]]

    def refused(x: Any) -> float:
        raise UdfArgumentError(f"x must be small,\ngot {x}\r\n(really)")

    guarded = _guard(overflow)
    assert guarded(2) == 100.0
    assert guarded(400) == "#NUM! the result is too large for Excel (over ±1.8E+308): from x = 400; enter " \
                           "realistic values"
    table = _guard(non_finite)
    assert table(3.0) == [["header", 1.0], [2, 3.0]]
    assert table(1.7e308) == [["header", 1.0], [2, 1.7e308]]  # a formula may return up to 1.8E+308
    for bad in (math.inf, -math.inf, math.nan, 10**400, object(), [1.0]):
        assert table(bad).startswith("#NUM! "), bad
    assert _guard(non_finite)("text") == [["header", 1.0], [2, "text"]]
    assert _guard(refused)(5) == "#VALUE! x must be small, got 5 (really)"


def test_guard_names_an_unexpected_exception_without_internals(caplog: pytest.LogCaptureFixture) -> None:
    def buggy(params: Any, tokens: Any = None) -> float:
        raise KeyError("internal_table_name")

    text = _guard(buggy)("70B")
    assert text == ('#VALUE! buggy could not compute a result from params = "70B"; check the arguments (and please '
                    "report this case)")
    assert "internal_table_name" in caplog.text  # the traceback goes to the log, not to the cell


def test_guard_keeps_signature_and_wrong_arity_still_raises() -> None:
    import inspect

    assert list(inspect.signature(udf.LLM_TRAIN_DAYS).parameters)[:2] == ["params", "tokens"]
    assert udf.LLM_TRAIN_DAYS.__name__ == "LLM_TRAIN_DAYS" and udf.LLM_TRAIN_DAYS.__module__ == "xlcompute.udf"
    with pytest.raises(TypeError):
        udf.LLM_TRAIN_DAYS("70B")  # a Python caller's mistake; Excel always passes every argument


def test_ettr_without_failures_is_the_planned_overhead_alone() -> None:
    # failures_per_gpu_hour = 0 is "no failures" (core.goodput keeps the MTBF finite), as in a scenario.
    assert udf.LLM_ETTR(1024, "70B", 0) == pytest.approx(0.99, rel=1e-5)
