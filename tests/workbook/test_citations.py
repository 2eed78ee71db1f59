"""The Chinese Formulas sheet's sources (xlcompute.citations): the works a docstring cites, picked
out of its English prose, with the seed documents and reference words in Chinese; no reference is
lost on the way."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import xlcompute.core as core
from xlcompute import registry
from xlcompute._builtin import UNNAMED_ZH, builtin_text, unnamed_title
from xlcompute._docs import module_sources
from xlcompute.citations import cited_works, cited_works_zh
from xlcompute.scenario import parse_scenario


def _core_texts() -> list[str]:
    texts = []
    for info in pkgutil.iter_modules(core.__path__):
        mod = importlib.import_module(f"xlcompute.core.{info.name}")
        texts.append(module_sources(mod.__doc__))
        texts += [registry.citation(f) for _, f in inspect.getmembers(mod, inspect.isfunction)
                  if f.__module__ == mod.__name__]
    return [t for t in texts if t]


@pytest.mark.parametrize(("text", "expected"), [
    ("Kokolis et al. 2025, §V: MTTF falls as 1/n", ["Kokolis et al. 2025, §V"]),
    ("seed 000 eqs. (7)–(9): total volumes", ["种子文档 000 式 (7)–(9)"]),
    ("Korthikanti et al. 2022, Table 2; Dao 2023, FlashAttention-2 §3",
     ["Korthikanti et al. 2022, 表 2", "Dao 2023", "FlashAttention-2"]),
    ("Chowdhery et al. 2022, App. B, without the attention term", ["Chowdhery et al. 2022, 附录 B"]),
    ("[RING] Patarasuk & Yuan, JPDC 2009 (and Thakur et al. 2005): a ring all-reduce moves",
     ["[RING]", "Patarasuk & Yuan, JPDC 2009", "Thakur et al. 2005"]),
    ("NVIDIA DGX H100 datasheet: 10.2 kW for 8 × 700 W GPUs", ["NVIDIA DGX H100 数据手册"]),
    ("evaluation, maintenance, data and stage switches", []),
])
def test_cited_works_zh(text: str, expected: list[str]) -> None:
    assert cited_works_zh(text) == expected


def test_no_reference_of_the_core_is_lost() -> None:
    """Every seed document, author-year citation and arXiv number of every core docstring citation
    (and module Sources paragraph) is kept in the Chinese source."""
    texts = _core_texts()
    assert len(texts) > 80
    for text in texts:
        zh = " ".join(cited_works_zh(text))
        for seed in re.findall(r"seed (\d{3})", text):
            assert f"种子文档 {seed}" in zh, (text, zh)
        for author in re.findall(r"([A-Z][\w\-]+) et al\.", text):
            assert f"{author} et al." in zh, (text, zh)
        for arxiv in re.findall(r"arXiv:\d{4}\.\d{4,5}", text):
            assert arxiv in zh, (text, zh)


def test_cited_works_keep_their_english_form() -> None:
    assert cited_works("seed 001; Kaplan et al. 2020 §2.1") == ["seed 001", "Kaplan et al. 2020 §2.1"]


def test_a_scenario_without_a_name_is_named_from_its_content() -> None:
    """The schema's default name ("Scenario") is ours: an unnamed scenario is titled from what it
    plans, in the reader's language (model, plan, cards, card), so a finance user who typed only
    those sees a cover that says what the proposal is about. A name the user typed stays as
    written, even the word "Scenario"."""
    base = {"model": {"preset": "llama2-70b"}, "training": {"tokens": "2T"},
            "cluster": {"accelerator": "h800", "cards": 1000}}
    unnamed = parse_scenario(base)
    typed = parse_scenario({"name": "Scenario", **base})
    assert unnamed.name == typed.name == "Scenario"
    assert builtin_text(unnamed, "name", "en") == "Llama-2-70B training on 1,000 × H800"
    assert builtin_text(unnamed, "name", "zh") == "Llama-2-70B 训练 · 1,000 × H800"
    assert builtin_text(typed, "name", "zh") is None and builtin_text(typed, "name", "en") is None
    serving = parse_scenario({"model": {"preset": "deepseek-v3"}, "serving": {"users": 500},
                              "cluster": {"accelerator": {"name": "Vendor X", "bf16_tflops": 300, "hbm_gb": 96,
                                                          "hbm_tbps": 3, "intra_node_gbs": 400, "tdp_w": 700},
                                          "cards": 64}})
    assert builtin_text(serving, "name", "en") == "DeepSeek-V3 serving on 64 × Vendor X"
    assert builtin_text(serving, "name", "zh") == "DeepSeek-V3 推理服务 · 64 × Vendor X"
    assert unnamed_title(object(), "zh") == UNNAMED_ZH  # nothing to read a title from


def test_every_core_module_has_a_chinese_title() -> None:
    """The Chinese Formulas sheet names each core module in Chinese (a new module needs its title)."""
    from xlcompute.workbook.formulas_sheet import MODULE_ZH

    names = {info.name for info in pkgutil.iter_modules(core.__path__)}
    assert names <= set(MODULE_ZH), sorted(names - set(MODULE_ZH))
