"""The built-in scenario's own text in Chinese, for every face (proposal, CLI).

The built-in scenario (xlcompute/data/default_scenario.yaml) is ours, not a user's: a Chinese render
of it, unmodified, shows its name, organisation, description and MFU source in Chinese. Any other
scenario's text stays as its user wrote it.
"""

from __future__ import annotations

import functools

__all__ = ["BUILTIN_ZH", "UNNAMED_ZH", "builtin_text"]

#: The title of a scenario whose file names none (the schema's default name, "Scenario").
UNNAMED_ZH = "未命名场景"

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
    render is Chinese; the Chinese default name when the scenario's file names none; else None (the
    scenario's own text is shown as written)."""
    if lang != "zh":
        return None
    if scenario == _default():
        return BUILTIN_ZH[field]
    if field == "name" and "name" not in getattr(scenario, "model_fields_set", {"name"}):
        return UNNAMED_ZH  # the schema's English default is ours, not the user's
    return None


@functools.lru_cache(maxsize=1)
def _default() -> object:
    from xlcompute.scenario import default_scenario

    return default_scenario()  # frozen: one shared copy
