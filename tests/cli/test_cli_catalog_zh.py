"""``xlcompute catalog gpus | models --lang zh``: Chinese headers (the registry's labels) over the same values;
English unchanged by default; a wrong language refused as by the other commands."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from xlcompute import catalog, registry
from xlcompute.cli import app

runner = CliRunner()


def _run(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def _rows(out: str) -> dict[str, list[str]]:
    """The table's body rows by their first cell (the key, without its * flag)."""
    return {cells[0].rstrip(" *"): cells for line in out.splitlines() if line.startswith("│")
            for cells in [[c.strip() for c in line.strip("│").split("│")]]}


def _header(out: str) -> str:
    """The header's cells, each one's lines joined without spaces (a Chinese header wraps in its column)."""
    lines = [line for line in out.splitlines() if line.startswith("┃")]
    columns = zip(*([c.strip() for c in line.strip("┃").split("┃")] for line in lines))
    return "|".join("".join(parts).replace(" ", "") for parts in columns)


def test_gpus_in_chinese() -> None:
    out = _run("catalog", "gpus", "--lang", "zh")
    head = _header(out)
    for words in ("目录名称", registry.label("bf16_peak_flops", "zh") + "（稠密）TFLOPS", "单卡FP8峰值（稠密）TFLOPS",
                  registry.label("gpu_fp32_tflops", "zh") + "TFLOPS", registry.label("gpu_hbm_gb", "zh") + "GB",
                  registry.label("gpu_hbm_tbps", "zh") + "TB/s", registry.label("intra_node_gbs", "zh") + "GB/s单向",
                  registry.label("gpu_tdp_w", "zh") + "W", "来源日期"):
        assert words.replace(" ", "") in head, words
    assert "bf16" not in head and "source date" not in head
    rows = _rows(out)
    assert set(rows) == {g.key for g in catalog.gpus()}
    assert rows["H800"][1:4] == ["989.4", "1,978.9", "67.0"] and rows["910B"][3] == "~15.3"  # values as in English
    assert out.startswith("加速卡（稠密算力，非稀疏；来源见 `--json`）")
    legend = "".join(out.split("┘", 1)[1].split())
    assert "~为假设值" in legend and legend.endswith("*非官方数据。") and "assumed" not in legend


def test_models_in_chinese() -> None:
    out = _run("catalog", "models", "--lang", "zh")
    head = _header(out)
    for key in ("layers", "heads", "kv_heads", "model_params", "model_active_params"):
        assert registry.label(key, "zh").replace(" ", "") in head, key
    assert "目录名称" in head and "公布参数量" in head and "exact" not in head
    rows = _rows(out)
    assert set(rows) == {m.key for m in catalog.models()}
    assert rows["llama2-70b"][1:] == ["80", "8192", "64/8", "69.0B", "69.0B", "69.0B"]
    assert out.startswith("模型（架构与来源见 `--json`）")
    assert "参数量按架构精确计算；* 非官方数据（传闻）。" in out and "rumoured" not in out


@pytest.mark.parametrize("what", ["gpus", "models"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_figure_splits_at_120_columns(what: str, lang: str) -> None:
    out = runner.invoke(app, ["catalog", what, "--lang", lang], env={"COLUMNS": "120"}, terminal_width=120).output
    body = [line for line in out.splitlines() if line.startswith("│")]
    assert max(cell_len(line) for line in out.splitlines()) <= 120 and "…" not in out
    assert len(body) == len(catalog.gpus() if what == "gpus" else catalog.models())  # one line a row: none wraps


def test_english_is_unchanged() -> None:
    gpus, models = _run("catalog", "gpus"), _run("catalog", "models")
    assert _run("catalog", "gpus", "--lang", "en") == gpus and _run("catalog", "models", "--lang", "en") == models
    assert "┃ key       ┃    bf16 ┃     fp8 ┃  fp32 ┃   HBM ┃ HBM BW ┃ link ┃   TDP ┃ source date ┃" in gpus
    assert "┃ key               ┃ layers ┃ hidden ┃   heads ┃    exact ┃ active ┃ published ┃" in models
    assert gpus.startswith("Accelerators (dense figures, not sparsity; `--json` for sources)")
    assert "the card the notes name); * unofficial figures." in " ".join(gpus.split())
    assert models.rstrip().endswith("heads: query/key-value heads. exact: counted from the architecture. "
                                    "* unofficial (rumoured).")
    assert "目录名称" not in gpus + models


@pytest.mark.parametrize("what", ["gpus", "models"])
def test_json_is_the_same_in_chinese(what: str) -> None:
    assert _run("catalog", what, "--json", "--lang", "zh") == _run("catalog", what, "--json")


@pytest.mark.parametrize("what", ["gpus", "models"])
def test_a_wrong_language_is_one_line(what: str) -> None:
    res = runner.invoke(app, ["catalog", what, "--lang", "fr"])
    assert res.exit_code == 2
    assert "--lang: must be en or zh, got 'fr'" in res.output and "Accelerators" not in res.output
