"""The built-in scenario's own text in Chinese, for every face (proposal, CLI).

The built-in scenario (xlcompute/data/default_scenario.yaml) is ours, not a user's: a Chinese render
of it, unmodified, shows its name, organisation, description and MFU source in Chinese. Any other
scenario's text stays as its user wrote it.
"""

from __future__ import annotations

import functools

__all__ = ["BUILTIN_ZH", "UNNAMED_ZH", "builtin_text", "unnamed_title"]

#: The title of a scenario whose file names none (the schema's default name, "Scenario") where its
#: content cannot name it (no model or card to read).
UNNAMED_ZH = "未命名场景"

#: What a plan does, as a generated title says it: (English, Chinese) by Scenario.kind.
_KIND_WORDS: dict[str, tuple[str, str]] = {
    "training": ("training", "训练"),
    "serving": ("serving", "推理服务"),
    "both": ("training and serving", "训练与推理服务"),
}

#: The built-in scenario's text in Chinese, by field.
BUILTIN_ZH: dict[str, str] = {
    "name": "1000 卡 H800 集群：70B 模型预训练与推理",
    "description": "1000 张 H800 加速卡（125 台 8 卡服务器）集群的算力容量方案：在 2 万亿 token 上预训练一个 "
                   "70B 稠密语言模型，随后为 2000 名并发用户提供推理服务。",
    "organisation": "示例人工智能实验室",
    "mfu_source": "Llama 3 报告（Dubey et al. 2024，Table 4）：8K–16K 张 H100 上 BF16 MFU 为 38–43%",
}


def builtin_text(scenario: object, field: str, lang: str) -> str | None:
    """The Chinese ``field`` of the built-in scenario when ``scenario`` is it, unmodified, and the
    render is Chinese; a title made from the content when the scenario's file names none
    (:func:`unnamed_title`, either language); else None (the scenario's own text is shown as written)."""
    if lang == "zh" and scenario == _default():
        return BUILTIN_ZH[field]
    if field == "name" and "name" not in getattr(scenario, "model_fields_set", {"name"}):
        return unnamed_title(scenario, lang)  # the schema's default name is ours, not the user's
    return None


def unnamed_title(scenario: object, lang: str) -> str:
    """A title for a scenario whose file names none, from what it plans: "DeepSeek-V3 serving on
    64 × H20" / "DeepSeek-V3 推理服务 · 64 × H20". A finance user who typed only the model, the card
    and the count gets a cover that says what the proposal is about, not the word "Scenario"."""
    try:
        spec = scenario.model  # type: ignore[attr-defined]
        model = _catalog_model_name(spec.preset) if spec.preset is not None else spec.arch.name
        acc = scenario.cluster.accelerator  # type: ignore[attr-defined]
        card = _catalog_card_key(acc) if isinstance(acc, str) else acc.name
        cards = scenario.cluster.cards  # type: ignore[attr-defined]
        en, zh = _KIND_WORDS[scenario.kind]  # type: ignore[attr-defined]
    except (AttributeError, KeyError):  # not a Scenario: nothing to read a title from
        return UNNAMED_ZH if lang == "zh" else "Scenario"
    if lang == "zh":
        return f"{model} {zh} · {cards:,} × {card}"
    return f"{model} {en} on {cards:,} × {card}"


def _catalog_model_name(preset: str) -> str:
    from xlcompute import catalog

    try:
        return catalog.get_model(preset).name
    except (KeyError, ValueError):
        return preset


def _catalog_card_key(typed: str) -> str:
    from xlcompute import catalog

    try:
        return catalog.get_gpu(typed).key  # "h20" as typed -> "H20"
    except (KeyError, ValueError):
        return typed


@functools.lru_cache(maxsize=1)
def _default() -> object:
    from xlcompute.scenario import default_scenario

    return default_scenario()  # frozen: one shared copy
