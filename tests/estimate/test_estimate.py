"""The orchestration: every figure of estimate() equals the core formula applied to its inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcompute import default_scenario, estimate, parse_scenario
from xlcompute._graph import INPUT_KEYS, STEPS, run_steps
from xlcompute.core import goodput, comm, compute, memory, params, schedule
from xlcompute.core.expr import Ref, excel_formula
from xlcompute.planner.inputs import SOFTWARE_STACKS
from xlcompute.registry import QUANTITIES
from xlcompute.scenario import ScenarioError


@pytest.fixture(scope="module")
def result():
    return estimate(default_scenario())


def test_every_key_has_one_registry_row_and_every_row_a_key():
    keys = list(INPUT_KEYS) + [s.key for s in STEPS]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(QUANTITIES), (sorted(set(keys) - set(QUANTITIES)), sorted(set(QUANTITIES) - set(keys)))


def test_steps_only_read_earlier_values():
    seen = set(INPUT_KEYS)
    for st in STEPS:
        for a in st.args:
            if isinstance(a, str):
                assert a in seen, f"{st.key} reads {a} before it is computed"
        seen.add(st.key)


def test_default_scenario_headline(result):
    # 70B Llama-2 architecture (68.98B exact), 2T tokens, 1000 H800 at 40% MFU.
    assert result.model_name == "Llama-2-70B"
    assert result["model_params"] == pytest.approx(68.98e9, rel=0.001)
    flops = compute.train_flops_attn(result["model_active_params"], 2e12, 4096, 80, 8192)
    assert result["train_flops"] == pytest.approx(flops, rel=1e-12)
    step_days = schedule.train_days(flops, 1000, 989.4e12, 0.40)
    assert result["step_train_days"] == pytest.approx(step_days, rel=1e-12)
    # End to end: the steps' time over the effective training-time ratio (core.goodput, defaults).
    mtbf = goodput.job_mtbf_seconds(goodput.LLAMA3_FAILURES_PER_CARD_HOUR, 1000)
    ckpt = goodput.checkpoint_seconds(goodput.checkpoint_bytes(result["model_params"], 2, 12), 1000,
                                      goodput.LLAMA3_STORAGE_BYTES_PER_S_PER_CARD)
    restart = goodput.restart_seconds(600, ckpt)
    tau = goodput.young_daly_interval(ckpt, mtbf, restart)
    ettr = goodput.effective_ratio(goodput.failure_ratio(tau, ckpt, restart, mtbf), 0.01)
    assert result["effective_ratio"] == pytest.approx(ettr, rel=1e-12)
    assert result["train_days"] == pytest.approx(step_days / ettr, rel=1e-12)
    assert result["gpu_hours"] == pytest.approx(step_days / ettr * 24 * 1000, rel=1e-12)
    assert 0.95 < ettr < 0.99 and 20 < result["train_days"] < 35
    assert result["mem_fits"] == 1
    assert result["servers"] == 125


def test_figures_match_direct_core_calls(result):
    # Llama-2-70B, TP 8 × PP 5 × DP 25, ZeRO-1, selective recompute, SP, flash, 40 micro-batches,
    # 8 interleaved stages per card (the planner's schedule for the layout the scenario gives).
    v = result.values()
    assert v["interleave"] == 8
    block = params.block_params(v["model_params"], v["embedding_params"], v["lm_head_params"], 80)
    per_card = params.first_stage_params(block, 16, v["embedding_params"], v["lm_head_params"], 5) / 8
    weights, grads, opt = 2 * per_card, 2 * per_card, 12 * per_card / 25
    linear = memory.activations_linear_layer(4096, 1, 8192, 64, 8, 128, 28672, 1, 8, 1)
    score = memory.activations_score_layer(4096, 1, 64, 8, 1)
    stored = memory.activations_stored_layer(linear, score, 4096, 1, 8192, 8, 1, 1, 1)
    acts = memory.activations_first_stage(stored, 16, 5, 40, 8, linear + score, 1, 0)
    buffers = memory.framework_buffers(2e9, comm.activation_message_bytes(4096, 1, 8192), block, 8, 2, 1)
    assert result["mem_per_gpu"] == pytest.approx(weights + grads + opt + acts + buffers, rel=1e-12)
    # seed 000's form, n = all cards, kept for comparison
    assert result["states_seed_per_gpu"] == pytest.approx(memory.zero_bytes(v["model_params"], 1, 1000))
    assert result["step_gpu_hours"] == pytest.approx(schedule.gpu_hours(v["train_flops"], v["peak_flops"], 0.4))
    assert result["gpu_hours"] == pytest.approx(v["step_gpu_hours"] / v["effective_ratio"])
    assert result["total_budget"] == pytest.approx(v["capex_total"] + 3 * v["opex_per_year"])
    assert result["train_cost"] == pytest.approx(v["gpu_hours"] * 15)


def test_graph_renders_formulas_that_evaluate_to_the_estimate(result):
    # The workbook's face of the same graph: bind every result to a reference.
    numbers = result.values()
    texts = {}

    def bind(step, value):
        texts[step.key] = excel_formula(value)
        env = {k: numbers[k] for k in value.refs()} if hasattr(value, "refs") else {}
        got = value.evaluate(env) if hasattr(value, "evaluate") else value
        assert got == pytest.approx(numbers[step.key], rel=1e-12), step.key
        return Ref(step.key)

    run_steps({k: Ref(k) for k in INPUT_KEYS}, bind)
    assert texts["step_train_seconds"] == "=train_flops/(parallel_cards*peak_flops*mfu)"
    assert texts["train_seconds"] == "=step_train_seconds/MAX(effective_ratio,1E-09)"
    assert texts["train_days"] == "=train_seconds/86400"
    # train_active_params = the active parameters plus the MTP modules' (core.moe; 0 without MTP)
    assert texts["train_flops"] == "=3*train_tokens*(4*attn_width*layers*seq_len+2*train_active_params)"
    assert texts["mfu"] == "=IF(mfu_assumed>0,mfu_assumed,predicted_mfu)"
    assert all(t.startswith("=") for t in texts.values())


def test_sensitivity_table(result):
    s = result.sensitivity
    assert 1000 in s.cards and 0.4 in s.mfus
    i, j = s.cards.index(1000), s.mfus.index(0.4)
    assert s.days[i][j] == pytest.approx(result["train_days"], rel=1e-12)
    # More cards never take longer; higher MFU never takes longer; budget grows with cards.
    assert all(s.days[a][j] > s.days[a + 1][j] for a in range(len(s.cards) - 1))
    assert all(s.days[i][b] > s.days[i][b + 1] for b in range(len(s.mfus) - 1))
    assert s.budget == sorted(s.budget)


def test_every_input_carries_a_source(result):
    assert set(result.inputs) == set(INPUT_KEYS)
    assert all(v.source for v in result.inputs.values())
    assert "Llama 3" in result.inputs["mfu_assumed"].source


def test_moe_uses_active_parameters_for_compute():
    s = parse_scenario(
        {
            "model": {"preset": "deepseek-v3"},
            "training": {"tokens": "14.8T", "tp": 1, "pp": 16, "global_batch": 2048, "seq_len": 4096},
            "cluster": {"accelerator": "H800", "cards": 2048},
            "assumptions": {"mfu": 0.3},
        }
    )
    r = estimate(s)
    assert r["model_active_params"] == pytest.approx(37e9, rel=0.02)
    assert r["model_params"] == pytest.approx(671e9, rel=0.001)
    assert r["train_flops_6tp"] == pytest.approx(6 * r["model_active_params"] * 14.8e12)


def test_fp8_uses_the_fp8_peak_and_custom_accelerators_work():
    s = parse_scenario(
        {
            "model": {"preset": "llama3.1-8b"},
            "training": {"tokens": "1T", "precision": "fp8", "global_batch": 512},
            "cluster": {
                "cards": 64,
                "accelerator": {
                    "name": "Vendor X", "bf16_tflops": 500, "fp8_tflops": 1000, "hbm_gb": 96,
                    "hbm_tbps": 3, "intra_node_gbs": 200, "tdp_w": 600,
                },
            },
        }
    )
    r = estimate(s)
    assert r["gpu_peak_tflops"] == 1000
    assert r.accelerator_name == "Vendor X"


def test_missing_catalog_figures_are_flagged_assumptions():
    # No published TDP (TPU v5e): TPU v4's measured 192 W per 275 dense TFLOPS, scaled to v5e's 197,
    # named in the source with the field that overrides it; the plan is not refused.
    r = estimate(parse_scenario(
        {"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T", "global_batch": 512},
         "cluster": {"accelerator": "TPUv5e", "cards": 64}}))
    assert r["gpu_tdp_w"] == pytest.approx(192 * 197 / 275, rel=1e-12)
    src = r.inputs["gpu_tdp_w"].source
    assert "no published TDP for Google Cloud TPU v5e (per chip): assumed 138 W" in src and "cluster.tdp_w" in src
    # cluster.tdp_w wins, and its source says so.
    r2 = estimate(parse_scenario(
        {"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T", "global_batch": 512},
         "cluster": {"accelerator": "TPUv5e", "cards": 64, "tdp_w": 170}}))
    assert r2["gpu_tdp_w"] == 170 and r2.inputs["gpu_tdp_w"].source == "scenario: cluster.tdp_w"
    # Energy follows the TDP and nothing else: the same run, the same time, energy × 170 / 137.5.
    assert r2["train_days"] == r["train_days"]
    assert r2["train_energy_j"] == pytest.approx(r["train_energy_j"] * 170 / (192 * 197 / 275), rel=1e-12)
    # No published scale-up link (TPU v4's ICI): the scale-out figure is assumed, and the source says so.
    r = estimate(parse_scenario(
        {"model": {"preset": "llama3.1-8b"}, "training": {"tokens": "1T", "global_batch": 512},
         "cluster": {"accelerator": "TPU v4", "cards": 64}}))
    assert r["intra_node_gbs"] == 50
    assert "no intra-node link figure" in r.inputs["intra_node_gbs"].source


def _scenario(**training):
    return parse_scenario(
        {
            "model": {"preset": "llama2-70b"},
            "training": {"tokens": "2T", "global_batch": 1024, **training},
            "cluster": {"accelerator": "H800", "cards": 1024},
        }
    )


def test_planner_chooses_layout_and_mfu_when_left_open():
    r = estimate(_scenario())
    assert r.plan is not None and r.plan.candidates_evaluated > 100
    # every card, or as few idle as the fastest layout leaves (TP 2 x PP 5 x DP 102: 4 of 1,024 idle, reported)
    assert r["tp"] * r["pp"] * r["dp"] == r["parallel_cards"] and 1020 <= r["parallel_cards"] <= 1024
    assert r["mem_fits"] == 1
    assert 0.2 < r["mfu"] < 0.8
    assert "layout planner" in r.inputs["tp"].source and "predicted MFU" in r.inputs["mfu_assumed"].source
    assert r["mfu_assumed"] == 0 and r["mfu"] == r["predicted_mfu"]
    # The estimate's time equals the planner's predicted step time by construction: one graph.
    best = r.plan.best[0]
    assert r["step_seconds"] == pytest.approx(best.result.predicted_step_seconds, rel=1e-9)
    for key, value in best.result.model_dump().items():
        assert r[key] == pytest.approx(value, rel=1e-9, abs=1e-300), key


def test_fixed_layout_gets_a_predicted_mfu():
    r = estimate(_scenario(tp=8, pp=4, recompute="selective"))
    assert r["tp"] == 8 and r["pp"] == 4 and r["dp"] == 32
    assert r.plan.candidates_evaluated == 1
    assert r["step_seconds"] == pytest.approx(r.plan.best[0].result.predicted_step_seconds, rel=1e-9)


def test_half_a_layout_is_an_error():
    from xlcompute import ScenarioError

    with pytest.raises(ScenarioError, match="give both training.tp and training.pp"):
        _scenario(tp=8)


def test_moe_without_mfu_is_planned_with_expert_parallelism():
    # Issue 15: the planner no longer refuses a mixture-of-experts model; it searches EP too.
    s = parse_scenario(
        {"model": {"preset": "mixtral-8x7b"}, "training": {"tokens": "1T", "global_batch": 512},
         "cluster": {"accelerator": "H800", "cards": 64}}
    )
    r = estimate(s)
    ex = r.plan.best[0].execution
    assert r.plan.fits and 8 % ex.ep == 0 and (ex.tp * ex.cp * ex.dp) % ex.ep == 0
    assert r["ep"] == ex.ep and r["mfu"] == r["predicted_mfu"]
    assert 0.05 < r["mfu"] < 0.7


def test_owned_cost_per_card_hour_spreads_the_budget_over_the_whole_period(result):
    card_hours = result["gpu_count"] * 8760 * result["years"]
    assert result["owned_cost_per_card_hour"] == pytest.approx(result["total_budget"] / card_hours, rel=1e-12)
    # The default cluster costs about ¥14.5 per card-hour to own over 3 years vs ¥15 to rent.
    assert 10 < result["owned_cost_per_card_hour"] < 20


def test_training_only_scenario_has_no_serving_cards():
    s = parse_scenario(
        {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "tp": 8, "pp": 5, "global_batch": 1000},
         "cluster": {"accelerator": "H800", "cards": 1000}, "serving": {"users": 0}, "assumptions": {"mfu": 0.4}}
    )
    r = estimate(s)
    assert r["serving_cards"] == 0
    assert r["cost_per_request_seed"] == pytest.approx(r["cost_per_request"] * 0.3)  # n = 1, u = 1 vs 0.3


def test_interleaving_shrinks_the_bubble_as_its_largest_virtual_stage_allows():
    plain = estimate(_scenario(tp=8, pp=4, interleave=1))
    inter = estimate(_scenario(tp=8, pp=4, interleave=5))
    assert inter["pipeline_bubble"] == pytest.approx(plain["pipeline_bubble"] / 5)
    # The interleaved schedule stores more activations: (1 + (p-1)/(p·v)) (Korthikanti et al. 2022).
    assert inter["activations_per_gpu"] == pytest.approx(plain["activations_per_gpu"] * (1 + 3 / 20))
    # 20 layers per stage in 3 virtual stages (Megatron-Core's custom layout: 7 + 7 + 6): the largest,
    # 7 layers, sets the fill and drain and the warm-up memory, as 20/7 equal stages would
    uneven = estimate(_scenario(tp=8, pp=4, interleave=3))
    assert uneven["interleave_effective"] == pytest.approx(20 / 7)
    assert uneven["pipeline_bubble"] == pytest.approx(plain["pipeline_bubble"] * 7 / 20)
    assert uneven["activations_per_gpu"] == pytest.approx(plain["activations_per_gpu"] * (1 + 3 / 4 * 7 / 20))
    assert uneven["predicted_step_seconds"] < plain["predicted_step_seconds"]
    with pytest.raises(ValueError, match=r"training.interleave \(21\) must be at most the 20 layers on the busiest"):
        estimate(_scenario(tp=8, pp=4, interleave=21))


def test_software_stack_and_attention_kernel_reach_the_planner():
    base = estimate(_scenario(tp=8, pp=4, software="megatron-lm"))
    ds = estimate(_scenario(tp=8, pp=4, software="megatron-deepspeed"))
    typical = estimate(_scenario(tp=8, pp=4))  # the default stack
    unfused = estimate(_scenario(tp=8, pp=4, software="megatron-lm", attention="unfused"))
    # a slower software stack and the unfused kernel both predict a lower MFU for the same layout
    assert typical["mfu"] < ds["mfu"] < base["mfu"] and unfused["mfu"] < base["mfu"]
    assert ds.plan.best[0].result.compute_seconds == pytest.approx(
        base.plan.best[0].result.compute_seconds / SOFTWARE_STACKS["megatron-deepspeed"], rel=1e-9)
    assert typical.plan.best[0].result.compute_seconds == pytest.approx(
        base.plan.best[0].result.compute_seconds / SOFTWARE_STACKS["typical"], rel=1e-9)
    assert SOFTWARE_STACKS["typical"] == 0.651
    assert "27 published runs" in typical.inputs["software_efficiency"].source
    assert base["flash_attention"] == 1 and unfused["flash_attention"] == 0
    assert "default for training.attention" in base.inputs["flash_attention"].source
    assert "megatron-deepspeed" in ds.inputs["software_efficiency"].source
    # The field's help (English and Chinese) and the README quote the constants the model uses.
    from xlcompute.scenario import TrainingPlan
    from xlcompute.sources import FIELD_ZH

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in ("typical", "megatron-deepspeed"):
        quoted = f"{SOFTWARE_STACKS[name]:.3f}"
        assert f"({quoted}" in TrainingPlan.model_fields["software"].description
        assert f"{quoted}，" in FIELD_ZH["training.software"]
    assert f"a production stack, {SOFTWARE_STACKS['typical']:.3f} of the" in readme
    assert f"the typical stack's efficiency, {SOFTWARE_STACKS['typical']:.3f})" in readme
    with pytest.raises(ScenarioError, match="training.software"):
        parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T", "software": "jax"},
                        "cluster": {"accelerator": "H800", "cards": 64}})


def test_recompute_never_scales_a_given_mfu():
    # MFU counts model FLOPs: at a given MFU, full recomputation costs no more card-hours than
    # selective; it lowers the MFU the step-time model predicts instead.
    sel = estimate(_scenario(tp=8, pp=4, recompute="selective"))
    full = estimate(_scenario(tp=8, pp=4, recompute="full"))
    given = [estimate(parse_scenario({**_scenario(tp=8, pp=4, recompute=rc).model_dump(mode="json", exclude_none=True),
                                      "assumptions": {"mfu": 0.4}})) for rc in ("selective", "full")]
    assert given[0]["gpu_hours"] == pytest.approx(given[1]["gpu_hours"], rel=1e-12)
    assert full["predicted_mfu"] < sel["predicted_mfu"]
    assert full["hardware_flops_per_step"] > full["model_flops_per_step"] == sel["model_flops_per_step"]


def test_default_batch_stays_near_its_token_budget_on_16384_cards():
    """Issue 11: a finance user's Llama 3.1 405B (15.6T tokens, 16,384 H100, batch open) gets the
    default budget of 1,024 tokens per card (16.8M, Llama 3's 16M), rounded to the chosen layout
    within planner.search.BATCH_BAND; before the band the search ran 8,190 sequences (67M tokens,
    past the 64M default cap) because a larger batch always lowers the time per sequence."""
    from xlcompute.core.parallel import MAX_DEFAULT_BATCH_TOKENS

    s = parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15.6T", "seq_len": 8192},
                        "cluster": {"accelerator": "H100-SXM", "cards": 16384}})
    r = estimate(s)
    target = r["batch_target"]
    assert target == pytest.approx(1024 * 16384 / 8192)
    assert target / 1.5 <= r["global_batch"] <= 1.5 * target
    assert r["global_batch"] * 8192 <= MAX_DEFAULT_BATCH_TOKENS


def test_uneven_pipeline_stages_are_estimated():
    # Llama 3.1 405B: 126 layers on 16 stages, the shipped example; the busiest stage holds 8.
    s = parse_scenario({"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15.6T", "tp": 8, "pp": 16,
                        "global_batch": 2048, "seq_len": 8192, "recompute": "full"},
                        "cluster": {"accelerator": "H100-SXM", "cards": 2048}})
    r = estimate(s)
    assert r["layers_per_stage"] == 8 and r["dp"] == 16
    assert r.plan is not None and r.plan.candidates_evaluated == 1
    assert 0.2 < r["predicted_mfu"] < 0.7 and r["mfu"] == r["predicted_mfu"]
