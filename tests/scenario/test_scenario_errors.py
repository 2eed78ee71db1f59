"""Bad scenario input: a clear error naming the field, the value and what is allowed."""

from __future__ import annotations

import copy
import json

import pytest

from xlcompute.scenario import ScenarioError, load_scenario, parse_scenario

BASE = {
    "name": "t",
    "model": {"preset": "llama2-70b"},
    "training": {"tokens": "2T", "tp": 8, "pp": 5, "global_batch": 1000},
    "cluster": {"accelerator": "H800", "cards": 1000},
}


def _with(path: str, value):
    return _with_data(BASE, path, value)


_DELETE = object()


def _problems(data) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, "test.yaml")
    return info.value.problems


def test_base_is_valid():
    s = parse_scenario(BASE)
    assert s.dp == 25 and s.training.tokens == 2e12


@pytest.mark.parametrize(
    "path, value, expect",
    [
        ("training.tokens", _DELETE, ["training.tokens", "required"]),
        ("model", _DELETE, ["model", "required"]),
        ("training.tokenz", 5, ["training.tokenz", "unknown field", "did you mean training.tokens?"]),
        ("training.sequence_length", 4096, ["training.sequence_length", "did you mean training.seq_len?"]),
        ("cluster.gpus", 64, ["cluster.gpus", "did you mean cluster.cards?"]),
        ("cluster.acelerator", "H100", ["cluster.acelerator", "did you mean cluster.accelerator?"]),
        ("training.wibble", 1, ["training.wibble", "unknown field (check the spelling; `xlcompute schema`"]),
        ("cluster.cards", 0, ["cluster.cards", "from 1 to 10,000,000", "(got 0)"]),
        ("cluster.cards", -8, ["cluster.cards", "from 1 to 10,000,000", "(got -8)"]),
        ("training.tp", 0, ["training.tp", "a whole number from 1"]),
        ("assumptions.mfu", 1.5, ["assumptions.mfu", "1", "1.5"]),
        ("assumptions.mfu", 0, ["assumptions.mfu", "from 0.001 to 1", "(got 0)"]),
        ("assumptions.mfu", 40, ["assumptions.mfu", "40"]),
        ("training.zero_stage", 4, ["training.zero_stage", "from 0 to 3", "(got 4)"]),
        ("training.zero_stage", -1, ["training.zero_stage", "from 0 to 3", "(got -1)"]),
        ("training.tokens", "lots", ["training.tokens", "'lots'", "70B"]),
        ("training.tokens", "2X", ["training.tokens", "2X", "suffixes"]),
        ("training.recompute", "sometimes", ["training.recompute", "'none', 'selective' or 'full'", "sometimes"]),
        ("pricing.currency", "EUR", ["pricing.currency", "'CNY' or 'USD'", "EUR"]),
        ("training.dp", 10, ["training.dp (10)", "⌊1000 / 40⌋ = 25"]),
        ("training.tp", 400, ["training.tp·pp (400·5 = 2000)", "at most cluster.cards (1000)"]),
        ("training.batch_tokens", "4M", ["training.global_batch or training.batch_tokens, not both"]),
    ],
)
def test_field_errors_name_field_value_and_rule(path, value, expect):
    problems = _problems(_with(path, value))
    text = " | ".join(problems)
    for fragment in expect:
        assert fragment in text, text


def test_any_card_count_and_batch_is_accepted_and_rounded_to_the_layout():
    # 1001 cards on TP 8 × PP 5: 25 replicas, one card idle; batch 1001 rounds to 1000 (40 per replica).
    from xlcompute.estimate import estimate

    data = _with("cluster.cards", 1001)
    data["training"]["global_batch"] = 1001
    r = estimate(parse_scenario(data))
    assert (r["dp"], r["idle_cards"], r["global_batch"]) == (25, 1, 1000)
    assert r.inputs["batch_target"].source == "scenario: training.global_batch" and r["batch_target"] == 1001


def test_an_architecture_typed_under_model_or_with_config_json_names_is_pointed_to_model_arch():
    # A user pasting a model's config.json: under model itself, then under model.arch with HF's names.
    flat = " | ".join(_problems({**BASE, "model": {"layers": 48, "hidden": 7168}}))
    assert "model.layers: unknown field; a custom architecture goes under model.arch (e.g. model.arch.layers)" in flat
    assert "or name a catalog model with model.preset" in flat
    hf = " | ".join(_problems({**BASE, "model": {"hidden_size": 7168}}))
    assert "model.hidden_size: unknown field; a custom architecture goes under model.arch (e.g. model.arch.hidden)" in hf
    named = " | ".join(_problems({**BASE, "model": {"name": "llama2-70b"}}))
    assert "model.name: unknown field; did you mean model.preset? (a catalog model name" in named
    arch = {"num_hidden_layers": 48, "hidden_size": 7168, "num_attention_heads": 56, "vocab_size": 128000}
    text = " | ".join(_problems({**BASE, "model": {"arch": arch}}))
    for hf_name, ours in (("num_hidden_layers", "layers"), ("hidden_size", "hidden"),
                          ("num_attention_heads", "heads"), ("vocab_size", "vocab")):
        assert f"model.arch.{hf_name}: unknown field; did you mean model.arch.{ours}? (config.json's {hf_name})" in text


def test_unknown_presets_suggest_the_closest():
    text = " | ".join(_problems(_with("cluster.accelerator", "H80")))
    assert "cluster.accelerator" in text and "H800" in text
    text = " | ".join(_problems(_with("model.preset", "llama2-7OB")))
    assert "model.preset" in text and "llama2-70b" in text


def test_model_needs_exactly_one_source():
    text = " | ".join(_problems(_with("model", {})))
    assert "exactly one of model.preset" in text


def test_several_problems_are_all_reported():
    data = _with("cluster.cards", 0)
    data["assumptions"] = {"mfu": 2}
    assert len(_problems(data)) >= 2


def test_not_a_mapping():
    assert "expected a mapping" in _problems(["a", "list"])[0]


def test_suffixes_and_chinese_units_are_accepted():
    s = parse_scenario(_with("training.tokens", "2万亿"))
    assert s.training.tokens == 2e12
    s = parse_scenario(_with("model", {"preset": "llama2-70b", "params": "700亿"}))
    assert s.model.params == 70e9


@pytest.mark.parametrize("suffix", [".yaml", ".toml", ".json"])
def test_load_each_format(tmp_path, suffix):
    path = tmp_path / f"s{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(BASE), encoding="utf-8")
    elif suffix == ".yaml":
        import yaml

        path.write_text(yaml.safe_dump(BASE, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text(
            'name = "t"\n[model]\npreset = "llama2-70b"\n[training]\ntokens = "2T"\ntp = 8\npp = 5\n'
            'global_batch = 1000\n[cluster]\naccelerator = "H800"\ncards = 1000\n',
            encoding="utf-8",
        )
    assert load_scenario(path).cluster.cards == 1000


def test_load_errors(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed", encoding="utf-8")
    with pytest.raises(ScenarioError, match="cannot parse bad.yaml"):
        load_scenario(bad)
    other = tmp_path / "s.ini"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(ScenarioError, match="unsupported type"):
        load_scenario(other)


def test_field_errors_and_unknown_presets_are_reported_together():
    data = _with("training.zero_stage", 5)
    data["cluster"]["accelerator"] = "H80"
    text = " | ".join(_problems(data))
    assert "training.zero_stage" in text and "cluster.accelerator" in text and "H800" in text


# -- context parallelism and offload (issue 11) -------------------------------------------------


@pytest.mark.parametrize(
    "changes, expect",
    [
        ({"training.cp": 0}, ["training.cp", "a whole number from 1", "(got 0)"]),
        ({"training.cp": 3}, ["training.cp (3)", "training.seq_len (4096)", "2·cp = 6 equal chunks"]),
        ({"training.cp": 32}, ["training.tp·cp·pp (8·32·5 = 1280)", "at most cluster.cards (1000)"]),
        ({"training.cp": 2, "training.dp": 25}, ["training.dp (25)", "⌊cluster.cards / (tp·cp·pp)⌋",
                                                 "⌊1000 / 80⌋ = 12"]),
        ({"training.cp": 4, "training.tp": _DELETE, "training.pp": _DELETE},
         ["training.cp (4) needs training.tp and training.pp", "let the layout planner choose"]),
        ({"training.offload": ["weights", "gradients"]},
         ["training.offload[1]", "'weights', 'activations' or 'optimizer'", "gradients"]),
        ({"training.offload": ["optimizer", "optimizer"]}, ["training.offload", "repeated: optimizer"]),
        ({"cluster.offload_gb": -1}, ["cluster.offload_gb", "from 0 to 10,000,000", "(got -1"]),
    ],
)
def test_cp_and_offload_errors_name_field_value_and_rule(changes: dict[str, object], expect: list[str]) -> None:
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        data = _with_data(data, path, value)
    text = " | ".join(_problems(data))
    for fragment in expect:
        assert fragment in text, text


def _with_data(data: dict[str, object], path: str, value: object) -> dict[str, object]:
    data = copy.deepcopy(data)
    *parents, leaf = path.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    if value is _DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return data


def test_cp_defaults_to_one_and_offload_needs_a_tier() -> None:
    from xlcompute.estimate import estimate

    s = parse_scenario(BASE)
    assert s.cp == 1 and s.training.offload == ()
    s = parse_scenario(_with("training.cp", 2))
    assert s.cp == 2 and s.dp == 12  # ⌊1000 / (8·2·5)⌋
    # a scenario table's cell lists the kinds as text
    assert parse_scenario(_with("training.offload", "weights, optimizer")).training.offload == ("weights", "optimizer")
    assert parse_scenario(_with("training.offload", "")).training.offload == ()
    with pytest.raises(ValueError, match=r"training.offload \(optimizer\) needs an offload tier.*H800.*"
                                         r"cluster.offload_gb and cluster.offload_gbs"):
        estimate(parse_scenario(_with("training.offload", ["optimizer"])))
    # a tier given in the scenario makes it fit the rule; the inputs say where they come from
    data = _with("training.offload", ["optimizer"])
    data["cluster"].update({"offload_gb": 512, "offload_gbs": 64})
    r = estimate(parse_scenario(data))
    assert r["offload_optimizer"] == 1 and r["optimizer_per_gpu"] == 0 and r["offload_tier_per_gpu"] > 0
    assert r.inputs["offload_gb"].source == "scenario: cluster.offload_gb"
    assert r.inputs["offload_optimizer"].source.startswith("scenario: training.offload")
    gh = estimate(parse_scenario(_with("cluster.accelerator", "GH200")))
    assert gh["offload_gb"] == 480 and gh.inputs["offload_gbs"].source.startswith("catalog: NVIDIA GH200")
