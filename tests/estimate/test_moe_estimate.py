"""Mixture-of-experts and FP8 inputs in scenarios (issue 15): EP, expert TP, capacity factor, all-to-all
overlap, FP8 optimizer bytes, and the committed 910B MoE example scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcompute.estimate import InputValue, estimate, resolve
from xlcompute.scenario import ScenarioError, load_scenario, parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "workbooks" / "scenarios" / "ascend-910b-2048-deepseek-v2.yaml"


def _dsv3(**training: object) -> dict[str, object]:
    # BF16 unless a test says otherwise: left out, the preset's published FP8 recipe would apply.
    return {"name": "dsv3", "model": {"preset": "deepseek-v3"},
            "training": {"tokens": "14.8T", "seq_len": 4096, "global_batch": 15360, "precision": "bf16",
                         **training},
            "cluster": {"accelerator": "H800", "cards": 2048}}


def test_fixed_layout_with_ep_partitions_the_experts():
    # DeepSeek-V3's published layout (arXiv:2412.19437 §3.2): PP 16, EP 64, no TP, ZeRO-1 DP
    r = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64)))
    assert (r["ep"], r["expert_tp"], r["dp"], r["edp"]) == (64, 1, 128, 2) and r["etp"] == 0  # 0: follows TP
    per_layer = 256 * 3 * 7168 * 2048
    # ⌈61/16⌉ = 4 layers a stage: the first holds the 3 dense layers and 1 MoE layer, the second 4 MoE layers
    assert r["expert_params_per_gpu"] == pytest.approx(1 * per_layer / 64)
    assert r["later_expert_params_per_gpu"] == pytest.approx(4 * per_layer / 64)
    assert r["ep_seconds_per_step"] > 0 and r["ep_in_node"] == 0  # 64 ranks span 8 servers of 8
    assert r["mfu"] == pytest.approx(r["predicted_mfu"])


def test_ep_inside_a_server_runs_on_nvlink():
    r = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=8)))
    assert r["ep_in_node"] == 1
    wide = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64)))
    assert r["ep_link_bytes_per_s"] > wide["ep_link_bytes_per_s"]


def test_overlap_and_capacity_factor_are_scenario_inputs():
    # recomputation given, so the padded experts' memory cannot change it (and with it the all-to-all passes)
    base = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64, a2a_overlap=0.0, recompute="full")))
    hidden = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64, a2a_overlap=0.9, recompute="full")))
    assert hidden["ep_comm_exposed_seconds"] == pytest.approx(0.1 * base["ep_comm_exposed_seconds"], rel=1e-9)
    assert hidden["train_days"] < base["train_days"]
    padded = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64, a2a_overlap=0.0, capacity_factor=1.25,
                                           recompute="full")))
    assert padded["ep_bytes_per_step"] == pytest.approx(1.25 * base["ep_bytes_per_step"])
    assert padded["train_days"] > base["train_days"]


def test_a_preset_takes_its_published_recipe_where_the_user_leaves_the_field_open():
    """DeepSeek-V3's catalog recipe (arXiv:2412.19437 §4.2, §3.2.1): batch 15,360 sequences of 4,096 and
    DualPipe's all-to-all overlap; each cited as the catalog's, and a user's value wins."""
    from xlcompute.estimate import resolve

    def inputs(**training: object) -> dict[str, object]:
        s = {"name": "dsv3", "model": {"preset": "deepseek-v3"},
             "training": {"tokens": "14.8T", "seq_len": 4096, "tp": 1, "pp": 16, "ep": 64, **training},
             "cluster": {"accelerator": "H800", "cards": 2048}}
        return resolve(parse_scenario(s), plan=False).inputs  # type: ignore[return-value]

    given = inputs()
    assert given["batch_target"].value == 15360 and given["a2a_overlap"].value == 0.9
    for key in ("batch_target", "a2a_overlap"):
        assert "DeepSeek-V3" in given[key].source and "2412.19437" in given[key].source
    assert given["batch_target"].origin.option == "preset" and given["a2a_overlap"].origin.extra == "recipe"
    mine = inputs(a2a_overlap=0.0, batch_tokens=4_194_304)
    assert mine["batch_target"].value == 1024 and mine["a2a_overlap"].value == 0.0
    assert mine["a2a_overlap"].source.startswith("scenario:")
    # a shorter sequence keeps the recipe's tokens per step
    assert inputs(seq_len=2048)["batch_target"].value == 30720
    # a model without a recipe keeps the (mixture-of-experts) token budget and no overlap
    plain = resolve(parse_scenario({"name": "m", "model": {"preset": "mixtral-8x7b"}, "training": {"tokens": "1T"},
                                    "cluster": {"accelerator": "H800", "cards": 2048}}), plan=False).inputs
    assert plain["batch_target"].origin.option == "default_moe" and plain["a2a_overlap"].value == 0.0


def test_expert_tp_defaults_to_tp_for_a_fixed_layout():
    r = estimate(parse_scenario(_dsv3(tp=2, pp=16, ep=32)))
    assert r["etp"] == 0 and r["expert_tp"] == 2
    r1 = estimate(parse_scenario(_dsv3(tp=2, pp=16, ep=32, expert_tp=1)))
    assert r1["expert_tp"] == 1 and r1["expert_params_per_gpu"] == pytest.approx(2 * r["expert_params_per_gpu"])


@pytest.mark.parametrize(("training", "message"), [
    ({"tp": 1, "pp": 16, "ep": 3}, "must divide the model's 256 routed experts"),
    ({"tp": 1, "pp": 16, "ep": 256, "expert_tp": 2}, "must divide tp·cp·dp"),
])
def test_invalid_ep_is_a_clear_error(training, message):
    with pytest.raises(ValueError, match=message):
        estimate(parse_scenario(_dsv3(**training)))


def test_ep_on_a_dense_model_is_refused():
    s = parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "1T", "tp": 8, "pp": 4, "ep": 2},
                        "cluster": {"accelerator": "H800", "cards": 1024}})
    with pytest.raises(ValueError, match="need a mixture-of-experts model"):
        estimate(s)


def test_scenario_fields_are_bounded():
    with pytest.raises(ScenarioError, match="capacity_factor"):
        parse_scenario(_dsv3(capacity_factor=0.5))
    with pytest.raises(ScenarioError, match="a2a_overlap"):
        parse_scenario(_dsv3(a2a_overlap=1.5))


def test_fp8_uses_the_deepseek_optimizer_bytes_unless_given():
    fp8 = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64, precision="fp8")))
    assert fp8["optimizer_bytes"] == 8  # FP32 master weights + BF16 AdamW moments (DeepSeek-V3 §3.3.3)
    assert "§3.3.3" in fp8.inputs["optimizer_bytes"].source
    assert fp8["precision_peak_ratio"] == pytest.approx(1978.9 / 989.4)
    assert fp8["linear_peak_flops"] > fp8["bf16_peak_flops"]
    given = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64, precision="fp8", optimizer_bytes=12)))
    assert given["optimizer_bytes"] == 12
    bf16 = estimate(parse_scenario(_dsv3(tp=1, pp=16, ep=64)))
    assert bf16["optimizer_bytes"] == 12 and bf16["precision_peak_ratio"] == 1
    # FP8 GEMMs shorten the step; attention and the output layer stay at the BF16 peak
    assert fp8["predicted_step_seconds"] < bf16["predicted_step_seconds"]


def test_a_preset_trained_in_fp8_trains_so_unless_the_scenario_says():
    """DeepSeek-V3's catalog recipe (arXiv:2412.19437 §3.3.1: its GEMMs run in FP8): a scenario that gives no
    precision trains in FP8 on a card with an FP8 peak, with DeepSeek's optimizer bytes, named as the
    catalog's in every face; a given precision wins; a card without FP8 stays BF16; a swap to such a card
    (xlcompute compare) resolves again instead of refusing."""
    from xlcompute.compare import swapped_scenario
    from xlcompute.sources import precision_source

    def sc(accelerator: str = "H800", **training: object) -> object:
        return parse_scenario({"name": "dsv3", "model": {"preset": "deepseek-v3"},
                               "training": {"tokens": "14.8T", "tp": 1, "pp": 16, "ep": 64, **training},
                               "cluster": {"accelerator": accelerator, "cards": 2048}})

    left_open = sc()
    assert left_open.train.precision == "fp8" and left_open.train.optimizer_bytes == 8
    assert "precision" not in left_open.train.model_fields_set  # a dump without defaults leaves it out
    r = estimate(left_open)
    assert r["precision_peak_ratio"] == pytest.approx(1978.9 / 989.4) and r["optimizer_bytes"] == 8
    assert precision_source(left_open, r.model_name, "en").startswith("catalog: DeepSeek-V3's published training "
                                                                      "precision (DeepSeek-V3 Technical Report")
    assert "§3.3.1" in precision_source(left_open, r.model_name, "zh")
    assert "公开的训练配方" in precision_source(left_open, r.model_name, "zh")
    given = sc(precision="bf16")
    assert given.train.precision == "bf16" and given.precision_recipe is None
    assert precision_source(given, r.model_name, "en") == "scenario: training.precision"
    no_fp8 = sc("A100")
    assert no_fp8.train.precision == "bf16" and no_fp8.precision_recipe is None
    assert precision_source(no_fp8, r.model_name, "en") == "default: training.precision = bf16"
    swapped, _ = swapped_scenario(left_open, "A100")
    assert swapped.train.precision == "bf16" and swapped.train.optimizer_bytes == 12
    other = parse_scenario({"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
                            "cluster": {"accelerator": "H800", "cards": 1000}})
    assert other.train.precision == "bf16" and other.precision_recipe is None  # no published FP8 recipe


def test_910b_moe_example_estimates_and_plans():
    r = estimate(load_scenario(EXAMPLE))
    assert r.plan is not None and r.plan.fits
    ex = r.plan.best[0].execution
    assert ex.ep > 1 and 160 % ex.ep == 0  # EP chosen by the planner (across servers too: EP 10 since the 910B's
    # own GEMM constant made its compute slower against the same network)
    assert r["model_params"] == pytest.approx(236e9, rel=0.01)
    assert r["model_active_params"] == pytest.approx(21e9, rel=0.03)
    assert r["mem_per_gpu"] <= 64e9
    assert r["gpu_peak_tflops"] == 376 and r["precision_peak_ratio"] == 1  # BF16: the 910B has no FP8 peak


def test_a_given_ep_is_kept_by_the_planner():
    s = parse_scenario({"model": {"preset": "mixtral-8x7b"}, "training": {"tokens": "1T", "global_batch": 512, "ep": 4},
                        "cluster": {"accelerator": "H800", "cards": 64}})
    r = estimate(s)
    assert r.plan is not None and all(row.execution.ep == 4 for row in r.plan.best) and r["ep"] == 4
    bad = parse_scenario({"model": {"preset": "mixtral-8x7b"}, "training": {"tokens": "1T", "ep": 16},
                          "cluster": {"accelerator": "H800", "cards": 64}})
    with pytest.raises(ValueError, match="must divide the model's 8 routed experts"):
        estimate(bad)


def test_the_deepseek_v3_preset_sends_each_token_once_per_server_unless_the_scenario_says() -> None:
    """training.a2a_dedup: the DeepSeek-V3 preset's published setup (arXiv:2412.19437 §3.2.2) deduplicates; a
    scenario may turn it off; another MoE model defaults to Megatron-Core's alltoall (one copy per expert). The
    input says where it comes from, in English and Chinese, and the exposed all-to-all is smaller with it."""
    from xlcompute.estimate import estimate
    from xlcompute.scenario import parse_scenario
    from xlcompute.sources import source_text

    def run(model: str, **training: object):  # type: ignore[no-untyped-def]
        return estimate(parse_scenario({"model": {"preset": model}, "training": {"tokens": "1T", **training},
                                        "cluster": {"accelerator": "H800", "cards": 2048}}))

    preset = run("deepseek-v3", precision="fp8", tp=1, pp=16, ep=64, a2a_overlap=0)
    off = run("deepseek-v3", precision="fp8", tp=1, pp=16, ep=64, a2a_overlap=0, a2a_dedup=False)
    assert preset.inputs["a2a_dedup"].value == 1 and "§3.2.2" in preset.inputs["a2a_dedup"].source
    assert off.inputs["a2a_dedup"].value == 0 and off.inputs["a2a_dedup"].source == "scenario: training.a2a_dedup"
    assert preset["expert_groups"] == 8 and preset["group_limit"] == 4
    assert preset["ep_comm_exposed_seconds"] < off["ep_comm_exposed_seconds"]
    assert preset["predicted_step_seconds"] < off["predicted_step_seconds"]
    assert "目录" in source_text(preset.inputs["a2a_dedup"], "zh")
    v2 = run("deepseek-v2")
    assert v2.inputs["a2a_dedup"].value == 0 and v2["group_limit"] == 3


@pytest.mark.parametrize(("cards", "sequences"), [(128, 977), (1024, 4096), (8192, 15625)])
def test_a_mixture_of_experts_without_a_recipe_takes_the_moe_token_budget(cards: int, sequences: int) -> None:
    """Issue 15: a MoE model with no published batch aims at 16,384 tokens per card (Granite 3.0's MoE runs;
    core.parallel.MOE_BATCH_TOKENS_PER_CARD), within the 4M floor and the 64M cap; a dense model of the same
    cluster keeps 1,024 per card. 4M / 4,096 = 976.6 -> 977; 1,024 x 16,384 / 4,096 = 4,096; 8,192 cards hit 64M."""
    def target(preset: str) -> InputValue:
        s = parse_scenario({"name": "m", "model": {"preset": preset}, "training": {"tokens": "20T"},
                            "cluster": {"accelerator": "H800", "cards": cards}})
        return resolve(s, plan=False).inputs["batch_target"]  # type: ignore[return-value]

    moe, dense = target("qwen3-235b-a22b"), target("qwen2.5-72b")
    assert moe.value == sequences
    assert moe.origin.option == "default_moe" and "16,384 per card" in moe.source and "Granite" in moe.source
    from xlcompute.sources import source_text

    zh = source_text(moe, "zh")
    assert "混合专家模型的默认 token 预算" in zh and "每卡 16,384" in zh and "Granite" in zh
    assert dense.origin.option == "default"
    assert dense.value == max(977, round(1024 * cards / 4096))


def test_the_workbook_holds_the_recipe_precision_and_says_where_it_came_from(tmp_path: Path) -> None:
    """The planning workbook of a DeepSeek-V3 scenario that gives no precision: its precision cell holds fp8 (what the
    estimate used) and its note names the published recipe; a scenario that gives bf16 keeps the plain note."""
    import openpyxl

    from xlcompute.workbook import write_workbook

    def cell(scenario: dict[str, object], name: str) -> tuple[object, str]:
        path = write_workbook(estimate(parse_scenario(scenario)), tmp_path / name, "en")
        for ws in openpyxl.load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value == "precision_choice" and c.column == 5:
                        return ws.cell(row=c.row, column=2).value, str(ws.cell(row=c.row, column=4).value)
        raise AssertionError("no precision_choice row")

    base = {"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T", "tp": 1, "pp": 16, "ep": 64},
            "cluster": {"accelerator": "H800", "cards": 2048}}
    value, note = cell(base, "recipe.xlsx")
    assert value == "fp8" and "published pre-training precision" in note
    given = {**base, "training": {**base["training"], "precision": "bf16"}}  # type: ignore[dict-item]
    value, note = cell(given, "given.xlsx")
    assert value == "bf16" and "published" not in note
