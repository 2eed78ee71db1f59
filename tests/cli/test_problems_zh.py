"""The cross-field input rules in Chinese (``--lang zh``): every rule of ``cli._rules_zh`` is triggered here
from a scenario (or the core check that words it), and its problem must come out wholly Chinese; a rule
reworded in English without its Chinese row fails here, not on a Chinese user's screen."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from xlcompute.cli import app
from xlcompute.cli._problems_zh import _ENGLISH, _QUOTED, problem_zh
from xlcompute.cli._rules_zh import RULES
from xlcompute.core import stages
from xlcompute.estimate import estimate
from xlcompute.scenario import ScenarioError, parse_scenario

_L405 = {"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "15T"},
         "cluster": {"accelerator": "H100", "cards": 16384}}
_DSV3 = {"model": {"preset": "deepseek-v3"}, "training": {"tokens": "14.8T", "precision": "fp8"},
         "cluster": {"accelerator": "H800", "cards": 2048}}
_SERVE = {"model": {"preset": "llama3.1-405b"}, "serving": {"users": 10}, "cluster": {"accelerator": "H100", "cards": 8}}
_CUSTOM = {"name": "X1", "bf16_tflops": 400, "hbm_gb": 96, "hbm_tbps": 3, "intra_node_gbs": 200, "tdp_w": 500}


def _with(base: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """``base`` with ``section__field=value`` set (None removes the field)."""
    out = copy.deepcopy(base)
    for name, value in fields.items():
        section, key = name.split("__")
        if value is None:
            out.get(section, {}).pop(key, None)
        else:
            out.setdefault(section, {})[key] = value
    return out


_TRAIN_LAYOUT = {"training__tp": 8, "training__pp": 16}
CASES: dict[str, dict[str, Any]] = {
    "stage_split_without_layout": _with(_L405, training__first_stage_layers=7),
    "dualpipe_without_layout": _with(_L405, training__dualpipe=True),
    "tp_without_pp": _with(_L405, training__tp=8),
    "dp_without_layout": _with(_L405, training__dp=8),
    "cp_without_layout": _with(_L405, training__cp=2),
    "cp_not_dividing_seq": _with(_L405, **_TRAIN_LAYOUT, training__cp=3),
    "group_over_cards": _with(_L405, **_TRAIN_LAYOUT, training__cp=256),
    "dp_given_wrong": _with(_L405, **_TRAIN_LAYOUT, training__dp=7),
    "micro_batch_too_big": _with(_L405, training__tp=8, training__pp=1, training__micro_batch=100_000),
    "batch_twice": _with(_L405, training__global_batch=1024, training__batch_tokens="4M"),
    "batch_tokens_too_many": _with(_L405, training__seq_len=16, training__batch_tokens="1G"),
    "recompute_layers_not_selective": _with(_L405, training__recompute="full", training__recompute_layers=3),
    "nothing_planned": {"model": {"preset": "llama3.1-405b"}, "cluster": {"accelerator": "H100", "cards": 8}},
    "pp_over_layers": _with(_L405, training__tp=8, training__pp=200),
    "tp_not_dividing_heads": _with(_L405, training__tp=3, training__pp=1),
    "interleave_over_stage": _with(_L405, **_TRAIN_LAYOUT, training__interleave=9),
    "recompute_layers_over_stage": _with(_L405, **_TRAIN_LAYOUT, training__recompute="selective",
                                         training__recompute_layers=9),
    "ep_on_dense_layout": _with(_L405, **_TRAIN_LAYOUT, training__ep=8),
    "ep_on_dense_planner": _with(_L405, training__ep=8),
    "ep_not_dividing_experts": _with(_DSV3, training__tp=1, training__pp=16, training__ep=7),
    "ep_over_data_parallel": _with(_DSV3, training__tp=1, training__pp=16, training__ep=256),
    "fp8_catalog_card": _with(_L405, training__precision="fp8", cluster__accelerator="A100"),
    "fp8_custom_card": _with(_L405, training__precision="fp8", cluster__accelerator=_CUSTOM),
    "offload_without_tier": _with(_L405, **_TRAIN_LAYOUT, training__offload=["optimizer"],
                                  cluster__accelerator=_CUSTOM),
    "offload_twice": _with(_L405, training__offload=["weights", "weights"]),
    "params_out_of_shape": {"model": {"params": "900T"}, "training": {"tokens": "1T"},
                            "cluster": {"accelerator": "H100", "cards": 8}},
    "active_params_with_size": {"model": {"params": "70B", "active_params": "10B"}, "training": {"tokens": "1T"},
                                "cluster": {"accelerator": "H100", "cards": 8}},
    "preset_and_arch": {"model": {"preset": "llama3.1-405b", "arch": {
        "layers": 2, "hidden": 64, "heads": 2, "ffn_hidden": 128, "vocab": 100}}, "training": {"tokens": "1T"},
        "cluster": {"accelerator": "H100", "cards": 8}},
    "arch_too_big": {"model": {"arch": {"layers": 10_000, "hidden": 1_000_000, "heads": 1000,
                                        "ffn_hidden": 1_000_000, "vocab": 100}}, "training": {"tokens": "1T"},
                     "cluster": {"accelerator": "H100", "cards": 8}},
    "serving_prompt_without_output": _with(_SERVE, serving__input_tokens=100),
    "serving_total_disagrees": _with(_SERVE, serving__input_tokens=100, serving__output_tokens=50,
                                     serving__tokens_per_request=200),
    "serving_request_too_long": _with(_SERVE, serving__input_tokens=90_000_000,
                                      serving__output_tokens=20_000_000),
    "serving_output_over_total": _with(_SERVE, serving__tokens_per_request=100, serving__output_tokens=100),
    "serving_tp_not_dividing": _with(_SERVE, serving__tp=3),
    "serving_fp8_without_peak": _with(_SERVE, serving__precision="fp8", cluster__accelerator="A100"),
    "serving_w8a8_without_peak": _with(_SERVE, serving__precision="w8a8", cluster__accelerator=_CUSTOM),
    "split_over_layers": _with(_L405, **_TRAIN_LAYOUT, training__first_stage_layers=60, training__last_stage_layers=60),
    "split_on_one_stage": _with(_L405, training__tp=8, training__pp=1, training__first_stage_layers=7),
    "split_two_stages_short": _with(_L405, training__tp=8, training__pp=2, training__first_stage_layers=60,
                                    training__last_stage_layers=60),
    "dualpipe_odd_pp": _with(_L405, training__tp=8, training__pp=3, training__dualpipe=True),
    "dualpipe_interleaved": _with(_L405, **_TRAIN_LAYOUT, training__interleave=2, training__dualpipe=True),
    "dualpipe_small_batch": _with(_L405, **_TRAIN_LAYOUT, training__dualpipe=True, training__global_batch=2048),
    "no_layout_fits": _with(_L405, cluster__cards=8),
    # a deadline no cluster meets: without and with a sized count the goodput check accepted, and one whose
    # sized count the scenario refuses
    "deadline_unmeetable": {"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "2T", "deadline_days": 1},
                            "cluster": {"accelerator": "H20"}},
    "deadline_unmeetable_tried": {"model": {"preset": "llama3.1-405b"}, "training": {"tokens": "2T", "deadline_days": 1},
                                  "cluster": {"accelerator": "H800"}},
    "deadline_cards_refused": {"model": {"preset": "mixtral-8x22b"}, "cluster": {"accelerator": "A100-80G"},
                               "training": {"tokens": 2.4e14, "micro_batch": 5529, "deadline_days": 58.6, "tp": 1,
                                            "pp": 4}, "assumptions": {"mfu": 0.3}},
}


def _problems(data: dict[str, Any], name: str) -> list[str]:
    """The problem lines the CLI prints for ``data`` (before --lang zh rewords them)."""
    try:
        estimate(parse_scenario(data, name))
    except ScenarioError as exc:
        return [f"{exc.source}: {p}" for p in exc.problems]
    except ValueError as exc:
        return [str(exc)]
    return []


# The core's own wording (the step-time API and the Excel functions call these without a field prefix).
_CORE_LINES = {
    "dualpipe_odd_microbatches": lambda: stages.check_dualpipe(4, 1, microbatches=9),
    "dualpipe_few_microbatches": lambda: stages.check_dualpipe(4, 1, microbatches=6),
}


def _core_line(name: str) -> str:
    with pytest.raises(ValueError) as info:
        _CORE_LINES[name]()
    return str(info.value)


_NUMBER = r"\d(?:[\d,.]*\d)?"  # 1,024 or 0.5, without the comma or stop after it


def _english_left(text: str) -> bool:
    return bool(_ENGLISH.search(_QUOTED.sub("", text)))


_ALL = [(n, "scenario") for n in CASES] + [(n, "core") for n in _CORE_LINES]


@pytest.fixture(scope="module")
def lines() -> dict[str, list[str]]:
    out = {name: _problems(data, name) for name, data in CASES.items()}
    out.update({name: [_core_line(name)] for name in _CORE_LINES})
    return out


@pytest.mark.parametrize("name", [n for n, _ in _ALL])
def test_rule_reads_in_chinese(name: str, lines: dict[str, list[str]]) -> None:
    assert lines[name], f"{name}: the scenario found no problem"
    for line in lines[name]:
        zh = problem_zh(line)
        assert zh != line, f"{name}: stays English: {line}"
        assert re.search(r"[\u4e00-\u9fff]", zh) and not _english_left(zh), f"{name}: {zh}"
        # The values the English names stay in the Chinese (no number lost in rewording).
        assert set(re.findall(_NUMBER, line)) <= set(re.findall(_NUMBER, zh)), f"{name}: {line} → {zh}"


def test_every_rule_is_triggered(lines: dict[str, list[str]]) -> None:
    """Each row of the table matches a problem found above: none is dead, none untested."""
    every = [line for found in lines.values() for line in found]
    unused = [rule.pattern[:60] for rule, _ in RULES if not any(rule.search(line) for line in every)]
    assert not unused


def test_the_cli_prints_a_rule_in_chinese(tmp_path: Any) -> None:
    path = tmp_path / "dp.yaml"
    path.write_text("model: {preset: llama3.1-405b}\ntraining: {tokens: 15T, tp: 8, pp: 3, dualpipe: true}\n"
                    "cluster: {accelerator: H100, cards: 16384}\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["estimate", str(path), "--lang", "zh"])
    assert out.exit_code == 2
    assert f"错误：{path}: training.dualpipe 需要 training.pp 为不小于 2 的偶数（实际 pp=3）" in out.output.replace("\n", "")


def test_an_estimate_problem_names_its_file_as_a_scenario_problem_does(tmp_path: Any) -> None:
    path = tmp_path / "dp.yaml"
    path.write_text("model: {preset: llama3.1-405b}\ntraining: {tokens: 15T, tp: 8, pp: 4, dualpipe: true, "
                    "interleave: 2}\ncluster: {accelerator: H100, cards: 16384}\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["estimate", str(path)])
    assert out.exit_code == 2 and f"error: {path}: training.dualpipe needs training.interleave 1" in out.output
    out = CliRunner().invoke(app, ["estimate", str(path), "--set", "training.pp=6"])
    assert f"error: {path} with --set: training.dualpipe needs" in out.output


@pytest.mark.parametrize(("setting", "expected"), [
    ("precision=fp8", "precision：未知字段；是否指 training.precision 或 serving.precision？（实际为 'fp8'）"),
    ("training.tokens=abc", "'abc' 不是数字；可写如 70B、2T、1.5万、3亿、40% 或 1e21（后缀 K M B T P 万 亿 %）；允许：1 到 1e16"),
])
def test_settings_read_in_chinese(setting: str, expected: str) -> None:
    out = CliRunner().invoke(app, ["estimate", "--set", "training.tokens=1T", "--set", setting, "--lang", "zh"])
    assert out.exit_code == 2 and expected in out.output
    assert "model：必填，但缺失" in out.output  # a section named alone gets the full-width colon too
