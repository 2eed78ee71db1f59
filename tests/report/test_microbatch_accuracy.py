"""A dense plan whose data-parallel replicas run few micro-batches per step quotes the held-out runs that ran as
few (the model misses more there), with the numbers `xlcompute validate` prints by micro-batches per replica."""

from __future__ import annotations

from xlcompute import fmt
from xlcompute.estimate import estimate
from xlcompute.report.context import build_context
from xlcompute.report.context.validation import FEW_MICROBATCHES, MANY_MICROBATCHES, validation_report
from xlcompute.scenario import parse_scenario


def _accuracy(r, lang: str) -> str:  # type: ignore[no-untyped-def]
    return str(build_context(r, lang)["plan"]["accuracy"])


def test_a_plan_with_few_micro_batches_quotes_the_runs_that_ran_as_few() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                                 "cluster": {"accelerator": "H800", "cards": 1000}}))
    assert r["grad_accum"] <= FEW_MICROBATCHES  # the planner's layout: 10 micro-batches per replica
    v = validation_report()
    held = [x for x in [*v.rows, *v.external_rows] if x.role == "held_out"]
    few = [abs(x.error_pct) for x in held if x.microbatches <= FEW_MICROBATCHES]
    many = [abs(x.error_pct) for x in held if x.microbatches > MANY_MICROBATCHES]
    en, zh = _accuracy(r, "en"), _accuracy(r, "zh")
    m = fmt.count(r["grad_accum"])
    assert (f"runs {m} micro-batches per step; on the {fmt.count(len(few))} held-out runs whose replicas ran 16 or "
            f"fewer, the model was off by {fmt.percent(sum(few) / len(few) / 100)} on average, against "
            f"{fmt.percent(sum(many) / len(many) / 100)} where they ran more than 32") in en
    assert f"每步运行 {m} 个微批次" in zh and f"{fmt.count(len(few))} 个留出实测" in zh
    assert sum(few) / len(few) > sum(many) / len(many)  # the claim the sentence makes


def test_a_plan_with_many_micro_batches_or_a_moe_model_does_not() -> None:
    r = estimate(parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15T", "global_batch": 2048},
                                 "cluster": {"accelerator": "H100-SXM", "cards": 2048}}))
    assert r["grad_accum"] > FEW_MICROBATCHES  # the planner's layout: 48 micro-batches per replica
    assert "micro-batches per step" not in _accuracy(r, "en")
    moe = estimate(parse_scenario({"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T"},
                                   "cluster": {"accelerator": "H800", "cards": 256}}))
    assert "micro-batches per step" not in _accuracy(moe, "en")  # the MoE rows' own figure stands instead


def test_the_stack_sentence_names_the_cards_the_kernel_constants_are_fitted_on() -> None:
    """The plan's stack sentence once said no card but the A100 was validated, beside a held-out figure for H800 runs;
    it names the generations KERNEL_PROFILES calibrates (A100, H100, 910B), both attention paths, both languages."""
    from xlcompute.planner.inputs import KERNEL_PROFILES

    assert set(KERNEL_PROFILES) == {"ampere", "hopper", "ascend"}  # the cards the sentence names
    for attention in ("flash", "unfused"):
        r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "attention": attention},
                                     "cluster": {"accelerator": "H800", "cards": 1000}}))
        en, zh = (str(build_context(r, lang)["plan"]["stack"]) for lang in ("en", "zh"))
        assert "fitted on published runs on A100, H100 and 910B" in en and "validated" not in en
        assert "A100、H100 与 910B" in zh and "尚未" not in zh
