"""Catalog presets: provenance, sane figures, exact parameter counts vs published sizes, lookups."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xlcompute import catalog

from xlcompute.catalog import (
    Accelerator,
    ModelPreset,
    UnknownPresetError,
    get_gpu,
    get_model,
    gpus,
    models,
    tdp_of,
    tdp_reference,
)

REQUIRED_GPUS = [
    "V100", "A100 40GB", "A100 80GB", "A800", "H100 SXM", "H100 PCIe", "H800", "H20", "H200",
    "B200", "MI300X", "Gaudi 2", "Gaudi 3", "TPU v4", "TPU v5p", "Ascend 910B", "L40S",
]
REQUIRED_MODELS = [
    "GPT-3", "LLaMA-65B", "Llama-2-70B", "Llama-3.1-8B", "Llama-3.1-70B", "Llama-3.1-405B",
    "Qwen2-72B", "Mixtral-8x7B", "DeepSeek-V3", "GPT-4", "Qwen3-32B", "Qwen3-30B-A3B", "Qwen3-235B-A22B", "Kimi K2",
    "Qwen2.5-14B", "Qwen2.5-32B", "Qwen2.5-72B", "Llama-3.3-70B", "Mixtral-8x22B",
]
TOLERANCE = 0.02


# -- accelerators -------------------------------------------------------------------------


@pytest.mark.parametrize("name", REQUIRED_GPUS)
def test_required_accelerators_present(name: str) -> None:
    assert isinstance(get_gpu(name), Accelerator)


@pytest.mark.parametrize("gpu", gpus(), ids=lambda g: g.key)
def test_accelerator_rows_are_sourced_and_positive(gpu: Accelerator) -> None:
    assert gpu.source.strip() and gpu.source_date
    assert gpu.status in ("official", "unofficial")
    assert isinstance(gpu.hbm_bytes, int) and gpu.hbm_bytes > 0
    assert gpu.peak_flops > 0 and gpu.hbm_bandwidth_bytes_per_s > 0 and gpu.cards_per_node > 0
    # plausibility: 10-10,000 TFLOPS, 8-512 GB, 0.1-20 TB/s
    assert 10e12 <= gpu.peak_flops <= 10_000e12
    assert 8 <= gpu.hbm_gb <= 512
    assert 0.1e12 <= gpu.hbm_bandwidth_bytes_per_s <= 20e12
    if gpu.fp8_flops is not None:
        assert gpu.fp8_flops >= gpu.peak_flops


@pytest.mark.parametrize("gpu", [g for g in gpus() if g.bf16_sparse_tflops is not None], ids=lambda g: g.key)
def test_dense_is_half_the_sparse_headline(gpu: Accelerator) -> None:
    # Only cards whose vendor prints a sparsity headline; the others have nothing to confuse.
    assert gpu.bf16_tflops < gpu.bf16_sparse_tflops
    # 2:4 sparsity doubles the peak; the L40S datasheet itself prints 362.05 dense next to
    # 733 sparse (2.02x), hence 2% slack rather than exactly 2.
    assert gpu.bf16_sparse_tflops / gpu.bf16_tflops == pytest.approx(2, rel=0.02)


@pytest.mark.parametrize("gpu", gpus(), ids=lambda g: g.key)
def test_link_per_direction_is_derived_consistently(gpu: Accelerator) -> None:
    if gpu.link_bytes_per_s is None:
        assert gpu.link_bytes_per_s_per_direction is None
        return
    factor = 2 if gpu.link_direction == "bidirectional" else 1
    assert gpu.link_bytes_per_s_per_direction * factor == pytest.approx(gpu.link_bytes_per_s)


def test_headline_figures() -> None:
    h100 = get_gpu("H100-SXM")
    assert h100.bf16_tflops == 989.4 and h100.peak_flops == pytest.approx(989.4e12)
    assert h100.fp8_flops == pytest.approx(1978.9e12)
    assert h100.hbm_bytes == 80 * 10**9 and h100.hbm_gb == 80
    assert h100.link_bytes_per_s_per_direction == 450e9
    assert get_gpu("A100").peak_flops == 312e12  # seed 001's GPT-3 example
    assert get_gpu("H20").bf16_tflops == 148
    assert get_gpu("H800").link_bytes_per_s == 400e9
    assert get_gpu("Gaudi2").bf16_tflops == 432
    assert get_gpu("TPUv4").hbm_bytes == 32 * 2**30  # Cloud TPU docs: 32 GiB
    assert get_gpu("TPUv4").hbm_gib == 32
    assert get_gpu("TPUv5p").link_bytes_per_s_per_direction == 600e9
    assert get_gpu("V100").fp8_flops is None
    # the A100 datasheet's PCIe column: the SXM4 card's peaks, 1,935 GB/s, 300 W, PCIe Gen4 between cards
    pcie, sxm = get_gpu("A100 PCIe"), get_gpu("A100")
    assert pcie.key == "A100-PCIe" and get_gpu("A100-80G-PCIe") is pcie and pcie.bf16_tflops == sxm.bf16_tflops
    assert (pcie.hbm_bandwidth_bytes_per_s, pcie.tdp_w, pcie.link_bytes_per_s_per_direction) == (1.935e12, 300, 32e9)


def test_gpu_lookup_by_alias_case_and_separators() -> None:
    assert get_gpu("a100").key == "A100-80G"
    assert get_gpu("A100_40GB").key == "A100-40G"
    assert get_gpu("h100 sxm5").key == "H100-SXM"
    assert get_gpu("  h800 ").key == "H800"
    assert get_gpu("ascend-910b").key == "910B"
    assert get_gpu("tpu_v5p").key == "TPUv5p"
    assert get_gpu("4090").key == "RTX4090"
    assert get_gpu("H800") is get_gpu("h-800")


@pytest.mark.parametrize(("typed", "key"), [("昇腾910B", "910B"), ("昇腾 910C", "910C"), ("V100 32GB", "V100"),
                                            ("DGX H100", "H100-SXM"), ("HGX H800", "H800")])
def test_names_buyers_type(typed: str, key: str) -> None:
    """The Chinese name of Huawei's Ascend (昇腾) and the server names on a quote find the card."""
    assert get_gpu(typed).key == key


@pytest.mark.parametrize(("typed", "key"), [("NVIDIA H800", "H800"), ("Nvidia H20", "H20"), ("NVIDIA A100 80GB", "A100-80G"),
                                            ("AMD MI300X", "MI300X"), ("Huawei Ascend 910B", "910B"),
                                            ("Intel Gaudi 3", "Gaudi3"), ("Google TPU v5p", "TPUv5p")])
def test_a_card_with_its_vendor_in_front(typed: str, key: str) -> None:
    """A card as a datasheet or a quote names it, the vendor first."""
    assert get_gpu(typed).key == key


@pytest.mark.parametrize(("typed", "key"), [("meta-llama/Llama-2-70b-hf", "llama2-70b"),
                                            ("deepseek-ai/DeepSeek-V3", "deepseek-v3"),
                                            ("Qwen/Qwen3-235B-A22B", "qwen3-235b-a22b"),
                                            ("mistralai/Mixtral-8x7B-v0.1", "mixtral-8x7b")])
def test_a_model_by_its_hugging_face_id(typed: str, key: str) -> None:
    """A model as its Hugging Face page names it: organisation/name, Meta's "-hf" suffix."""
    assert get_model(typed).key == key


@pytest.mark.parametrize(("typed", "key"), [("H800 80GB", "H800"), ("NVIDIA H800 80GB", "H800"), ("H20 96GB", "H20"),
                                            ("H200 141GB", "H200"), ("NVIDIA H100 80GB HBM3", "H100-SXM"),
                                            ("H800-80GB", "H800"), ("MI300X OAM", "MI300X"), ("910B 64GB", "910B")])
def test_a_card_with_its_memory_after_it(typed: str, key: str) -> None:
    """nvidia-smi, MLPerf tables and quotes write the memory after the card's name."""
    assert get_gpu(typed).key == key


def test_a_vendor_alone_or_a_memory_the_card_lacks_is_still_unknown() -> None:
    # a V100 of 16 GB and a 910B of 32 GB are not the catalog's 32 GB and 64 GB cards
    for typed in ("NVIDIA", "A100 41GB", "V100 16GB", "910B 32GB"):
        with pytest.raises(UnknownPresetError, match="unknown accelerator"):
            get_gpu(typed)


@pytest.mark.parametrize(("typed", "key"), [("llama3 8b instruct", "llama3.1-8b"), ("Llama-2-70b-chat-hf", "llama2-70b"),
                                            ("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama3.1-8b"),
                                            ("deepseek-ai/DeepSeek-V3-Base", "deepseek-v3")])
def test_a_model_variant_is_its_architecture(typed: str, key: str) -> None:
    """Instruction-tuned, chat and base models share their architecture (and training compute) with the preset."""
    assert get_model(typed).key == key


def test_a_model_the_catalog_lacks_is_pointed_to_its_size_or_architecture() -> None:
    from xlcompute.scenario import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError, match=r"unknown model 'InternLM2-20B'; .*model\.params .* model\.arch"):
        parse_scenario({"model": {"preset": "InternLM2-20B"}, "training": {"tokens": "3T"},
                        "cluster": {"accelerator": "H800", "cards": 512}})


def test_unknown_gpu_suggests_closest() -> None:
    with pytest.raises(UnknownPresetError) as err:
        get_gpu("H80")
    message = str(err.value)
    assert "accelerator" in message and "'H80'" in message and "did you mean H800" in message
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_gpu_name_is_rejected(bad: str) -> None:
    with pytest.raises(UnknownPresetError, match="non-empty"):
        get_gpu(bad)


def test_inconsistent_link_figures_are_rejected() -> None:
    row = get_gpu("H100-SXM").model_dump()
    row["link_bytes_per_s_per_direction"] = 900e9  # bidirectional 900 means 450 per direction
    with pytest.raises(ValidationError, match="does not match bidirectional"):
        Accelerator.model_validate(row)
    row = get_gpu("H100-SXM").model_dump()
    row["bf16_tflops"] = 1978.9  # the sparse figure typed as dense
    with pytest.raises(ValidationError, match="must be the dense figure"):
        Accelerator.model_validate(row)
    row = get_gpu("H100-SXM").model_dump()
    row["source_date"] = "March 2022"
    with pytest.raises(ValidationError, match="YYYY-MM"):
        Accelerator.model_validate(row)


def test_an_unpublished_tdp_is_scaled_from_a_named_card_of_the_same_maker() -> None:
    """Every card has a power figure for the energy cost: published, or (TPU v5e/v5p, Ascend 910C)
    a reference card's TDP per dense peak FLOP, never a silent blank that refuses the plan."""
    scaled = {g.key: tdp_reference(g) for g in gpus() if g.tdp_w is None}
    assert {k: r.key for k, r in scaled.items() if r} == {"TPUv5e": "TPUv4", "TPUv5p": "TPUv4", "910C": "910B"}
    for key, ref in scaled.items():
        g = get_gpu(key)
        assert ref is not None and ref.vendor == g.vendor and ref.architecture == g.architecture
        assert "tdp_scaled_from" in g.notes  # the row says why, in words
    # By hand: TPU v4's measured 192 W at 275 TFLOPS; 910B's reported 400 W at 376.
    assert tdp_of(get_gpu("TPUv5e")) == pytest.approx(137.5418, abs=1e-4)
    assert tdp_of(get_gpu("TPUv5p")) == pytest.approx(320.4655, abs=1e-4)
    assert tdp_of(get_gpu("910C")) == pytest.approx(829.7872, abs=1e-4)
    assert tdp_of(get_gpu("H800")) == get_gpu("H800").tdp_w


def test_a_card_gives_a_published_tdp_or_its_reference_exactly_once() -> None:
    row = get_gpu("TPUv5e").model_dump()
    row["tdp_w"] = 150
    with pytest.raises(ValidationError, match="exactly one"):
        Accelerator.model_validate(row)
    row = get_gpu("H100-SXM").model_dump()
    row["tdp_w"] = None
    with pytest.raises(ValidationError, match="exactly one"):
        Accelerator.model_validate(row)


def test_catalog_is_cached() -> None:
    assert gpus() == gpus() and gpus() is not gpus()  # a fresh list each call, same rows
    assert models()[0] is models()[0]


# -- models ---------------------------------------------------------------------------------


def _pct(computed: int, published: int) -> float:
    return 100 * (computed / published - 1)


@pytest.mark.parametrize("name", REQUIRED_MODELS)
def test_required_models_present(name: str) -> None:
    assert isinstance(get_model(name), ModelPreset)


@pytest.mark.parametrize(
    "model", models(), ids=[f"{m.key}[{_pct(m.param_count.total, m.published_params):+.2f}%]" for m in models()]
)
def test_total_within_2pct_of_published(model: ModelPreset) -> None:
    total = model.param_count.total
    assert abs(total / model.published_params - 1) <= TOLERANCE, (
        f"{model.key}: computed {total:,} vs published {model.published_params:,} "
        f"({_pct(total, model.published_params):+.2f}%)"
    )


ACTIVE = [m for m in models() if m.published_active_params]


@pytest.mark.parametrize(
    "model", ACTIVE,
    ids=[f"{m.key}[{_pct(m.param_count.active, m.published_active_params or 1):+.2f}%]" for m in ACTIVE],
)
def test_active_within_2pct_of_published(model: ModelPreset) -> None:
    active = model.param_count.active
    published = model.published_active_params or 0
    assert abs(active / published - 1) <= TOLERANCE, (
        f"{model.key}: computed active {active:,} vs published {published:,} ({_pct(active, published):+.2f}%)"
    )


def test_moe_presets_have_active_figures() -> None:
    assert {m.key for m in ACTIVE} >= {"mixtral-8x7b", "mixtral-8x22b", "deepseek-v3", "gpt4-moe-rumour"}


@pytest.mark.parametrize(
    ("name", "exact"),
    [
        ("llama2-7b", 6_738_415_616),  # HF safetensors 6,738,417,664 incl. 2,048 rotary buffers
        ("llama3.1-8b", 8_030_261_248),
        ("llama3.1-70b", 70_553_706_496),
        ("llama3.1-405b", 405_853_388_800),
        ("mixtral-8x7b", 46_702_792_704),
    ],
)
def test_exact_counts_of_open_models(name: str, exact: int) -> None:
    assert get_model(name).param_count.total == exact


def test_llama2_safetensors_totals_differ_only_by_rotary_buffers() -> None:
    for key in ("llama2-7b", "llama2-13b", "llama2-70b"):
        m = get_model(key)
        rotary = m.arch.layers * m.arch.head_dim // 2
        assert m.published_params - m.param_count.total == rotary


@pytest.mark.parametrize(("key", "non_embedding"), [
    ("qwen3-32b", 31.2e9), ("qwen3-30b-a3b", 29.9e9), ("qwen3-235b-a22b", 234e9),
])
def test_qwen3_non_embedding_matches_model_cards(key: str, non_embedding: float) -> None:
    # The model cards' non-embedding figures pin the hidden and expert widths taken from config.json;
    # the cards round to three significant figures, so 0.2 % is their own precision.
    assert get_model(key).param_count.non_embedding / non_embedding == pytest.approx(1, abs=0.002)


def test_kimi_k2_is_deepseek_v3_with_more_experts_and_half_the_heads() -> None:
    # arXiv:2507.20534 compares the two: 384 vs 256 experts, 64 vs 128 heads, 1 vs 3 dense layers.
    k, d = get_model("kimi-k2").arch, get_model("deepseek-v3").arch
    assert (k.experts, k.heads, k.dense_layers) == (384, 64, 1)
    assert (d.experts, d.heads, d.dense_layers) == (256, 128, 3)
    assert (k.hidden, k.layers, k.kv_lora_rank, k.moe_ffn_hidden) == (d.hidden, d.layers, d.kv_lora_rank, d.moe_ffn_hidden)


def test_qwen25_non_embedding_matches_model_card() -> None:
    # Model card: 7.61B parameters, 6.53B non-embedding.
    c = get_model("qwen2.5-7b").param_count
    assert c.non_embedding / 6.53e9 == pytest.approx(1, abs=0.001)


@pytest.mark.parametrize(("key", "card_total"), [
    ("qwen2.5-14b", 14.7e9), ("qwen2.5-32b", 32.5e9), ("qwen2.5-72b", 72.7e9),
])
def test_qwen25_family_totals_match_model_cards(key: str, card_total: float) -> None:
    # The cards round to 0.1B; config.json's widths give 14.77B, 32.76B and 72.71B.
    assert abs(get_model(key).param_count.total - card_total) < 0.3e9


def test_qwen25_72b_is_qwen2_72b_trained_longer() -> None:
    # Qwen2.5 report (arXiv:2412.15115): the same 72B architecture, 18T tokens instead of 7T.
    a, b = get_model("qwen2.5-72b"), get_model("qwen2-72b")
    assert a.arch.model_dump(exclude={"name"}) == b.arch.model_dump(exclude={"name"})
    assert (a.training_tokens, b.training_tokens) == (18e12, 7e12)


def test_llama33_70b_has_llama31_70b_architecture() -> None:
    a, b = get_model("Llama-3.3-70B-Instruct"), get_model("llama3.1-70b")
    assert a.key == "llama3.3-70b" and a.name == "Llama-3.3-70B"
    assert a.param_count.total == b.param_count.total == 70_553_706_496


def test_mixtral_8x22b_matches_mistral_figures() -> None:
    # Mistral AI, 2024-04-17: "141B parameters, 39B active"; 56 layers of 8 experts, top-2.
    c = get_model("Mixtral 8x22B").param_count
    assert c.total / 141e9 == pytest.approx(1, abs=0.005)
    assert c.active / 39e9 == pytest.approx(1, abs=0.005)


@pytest.mark.parametrize("typed", ["DeepSeek-R1", "deepseek-r1", "DeepSeek-V3-0324"])
def test_deepseek_v3_post_trained_releases_resolve_to_its_preset(typed: str) -> None:
    assert get_model(typed).key == "deepseek-v3"


def test_deepseek_v3_with_mtp_near_checkpoint_size() -> None:
    # HF checkpoint: 671B main model + MTP module = 685B (MTP copies embedding and head too).
    c = get_model("deepseek-v3").param_count
    shared_copies = 2 * 129280 * 7168
    assert (c.total_with_mtp + shared_copies) / 685e9 == pytest.approx(1, abs=0.005)


def test_gpt4_rumour_reproduces_seed_001_parts() -> None:
    m = get_model("GPT-4")
    assert m.unofficial
    a, c = m.arch, m.param_count
    expert_mlp_all_layers = 2 * a.hidden * a.moe_ffn_hidden * a.layers
    assert expert_mlp_all_layers / 111e9 == pytest.approx(1, abs=0.01)
    assert c.attention / 55e9 == pytest.approx(1, abs=0.02)
    assert (a.experts, a.top_k, a.layers) == (16, 2, 120)


def test_only_the_rumour_is_unofficial() -> None:
    assert [m.key for m in models() if m.unofficial] == ["gpt4-moe-rumour"]


@pytest.mark.parametrize("model", models(), ids=lambda m: m.key)
def test_model_rows_are_sourced(model: ModelPreset) -> None:
    assert model.source.strip() and model.source_date
    assert model.arch.name == model.key
    if model.training_tokens is not None:
        assert model.training_tokens >= 1e11
    assert model.seq_len is None or 512 <= model.seq_len <= 1_048_576


SOURCE_MAX_CHARS = 300
"""A source is a citation: the proposal's inputs table and the workbook's Models sheet repeat it beside
every model row, so where each value was read goes in the notes (a 700-character source filled a page)."""


@pytest.mark.parametrize("row", [*models(), *gpus()], ids=lambda r: r.key)
def test_a_source_is_a_citation_short_enough_for_a_table_cell(row: ModelPreset | Accelerator) -> None:
    assert len(row.source) <= SOURCE_MAX_CHARS, (row.key, len(row.source))


def test_training_tokens_match_publications() -> None:
    assert get_model("gpt3-175b").training_tokens == 300e9
    assert get_model("llama-65b").training_tokens == 1.4e12
    assert get_model("llama2-70b").training_tokens == 2e12
    assert get_model("llama3.1-405b").training_tokens == 15.6e12
    assert get_model("qwen2-72b").training_tokens == 7e12
    assert get_model("deepseek-v3").training_tokens == 14.8e12
    assert get_model("gpt-4").training_tokens == 13e12
    assert get_model("qwen3-235b-a22b").training_tokens == 36e12
    assert get_model("kimi-k2").training_tokens == 15.5e12


def test_model_lookup_and_unknown_name() -> None:
    assert get_model("LLAMA 3.1 70b").key == "llama3.1-70b"
    assert get_model("meta_llama_3.1_8b").key == "llama3.1-8b"
    assert get_model("mixtral").key == "mixtral-8x7b"
    with pytest.raises(UnknownPresetError, match=r"unknown model 'llama3.1-7b'; did you mean llama3.1-70b"):
        get_model("llama3.1-7b")


def test_a_recipe_value_cites_its_source() -> None:
    """A preset's published training recipe (the defaults for what a user leaves open) names its source for
    each value; DeepSeek-V3's is its paper's batch (15,360 x 4K) and DualPipe's overlap."""
    from pydantic import ValidationError

    from xlcompute.catalog import TrainingRecipe

    r = get_model("deepseek-v3").recipe
    assert r is not None and r.batch_tokens == 15360 * 4096 and r.a2a_overlap == 0.9
    assert "2412.19437" in r.batch_source and "DualPipe" in r.a2a_source
    assert get_model("deepseek-v2").recipe.batch_tokens == 9216 * 4096  # type: ignore[union-attr]
    k2 = get_model("kimi-k2").recipe
    assert k2 is not None and k2.batch_tokens == 2**26 and "2507.20534" in k2.batch_source  # "67M tokens"
    for m in models():
        if m.recipe is not None:
            assert (m.recipe.batch_tokens is None or m.recipe.batch_source) and (
                m.recipe.a2a_overlap is None or m.recipe.a2a_source), m.key
    with pytest.raises(ValidationError, match="recipe.a2a_overlap needs its source"):
        TrainingRecipe(a2a_overlap=0.5)


def test_fp32_vector_peaks_published_or_assumed_from_the_a100() -> None:
    """Every card's FP32 vector peak (the weight-only serving kernels dequantise there): the datasheet figure
    where one is published, else the A100's FP32 per byte of HBM bandwidth (a flagged assumption)."""
    ref = catalog.get_gpu(catalog.FP32_REFERENCE)
    assert ref.fp32_tflops == 19.5 and catalog.get_gpu("H100-SXM").fp32_tflops == 67
    assert catalog.get_gpu("RTX4090").fp32_tflops == 82.6 and catalog.get_gpu("MI300X").fp32_tflops == 163.4
    unpublished = {g.key for g in catalog.gpus() if g.fp32_tflops is None}
    assert unpublished == {"Gaudi2", "Gaudi3", "TPUv4", "TPUv5e", "TPUv5p", "910B", "910C"}
    for g in catalog.gpus():
        expected = g.fp32_tflops if g.fp32_tflops is not None else (
            19.5 * g.hbm_bandwidth_bytes_per_s / ref.hbm_bandwidth_bytes_per_s)
        assert catalog.fp32_of(g) == pytest.approx(expected), g.key
