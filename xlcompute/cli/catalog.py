"""``xlcompute catalog gpus | models``: the accelerator and model presets (``--lang zh``: the headers and
units in Chinese; the values, card and model names as the catalog gives them)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from xlcompute.cli._common import CONTEXT_SETTINGS, LANG_OPT, console
from xlcompute.cli._text import HEAD_BREAK, check_lang, head_lines, tr

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["catalog_app", "catalog_gpus", "catalog_models"]

catalog_app = typer.Typer(
    help="List the accelerator and model presets.", no_args_is_help=True, context_settings=CONTEXT_SETTINGS
)

# The columns by their xlcompute.cli._text keys; a Chinese header shows the registry labels it names (_LABELS).
_GPU_COLUMNS = ("cat_key", "cat_bf16", "cat_fp8", "cat_fp32", "cat_hbm", "cat_hbm_bw", "cat_link", "cat_tdp",
                "cat_source_date")
_MODEL_COLUMNS = ("cat_key", "cat_layers", "cat_hidden", "cat_heads", "cat_exact", "cat_active", "cat_published")
_LABELS = ("bf16_peak_flops", "gpu_fp32_tflops", "gpu_hbm_gb", "gpu_hbm_tbps", "intra_node_gbs", "gpu_tdp_w",
           "layers", "hidden", "heads", "kv_heads", "model_params", "model_active_params")
_TEXT_COLUMNS = frozenset({"cat_key", "cat_source_date"})
# A Chinese header's lines: five characters at least, so a table of nine figures fits 120 columns whole.
_HEAD_CELLS = 10


def _table(title: str, keys: tuple[str, ...], rows: list[tuple[str, ...]], lang: str) -> Table:
    """The catalog as a rich table: figures never wrap; a Chinese header wraps to its column instead (at its
    spaces and before a bracket, as the comparison's headers do)."""
    from rich.cells import cell_len
    from rich.table import Table

    from xlcompute import registry

    labels = {k: registry.label(k, lang) for k in _LABELS}
    t = Table(title=title, title_justify="left")
    for j, key in enumerate(keys):
        head = tr(key, lang, **labels)
        if lang == "zh":
            width = max([_HEAD_CELLS, *(cell_len(row[j]) for row in rows)])
            head = head_lines(head.replace("（", HEAD_BREAK + "（"), width)
        t.add_column(head, justify="left" if key in _TEXT_COLUMNS else "right", no_wrap=True)
    for row in rows:
        t.add_row(*row)
    return t


@catalog_app.command("gpus")
def catalog_gpus(as_json: bool = typer.Option(False, "--json", help="Print as JSON."), lang: str = LANG_OPT) -> None:
    """Accelerator presets: dense peak, memory, bandwidth, power, source."""
    from xlcompute import catalog, fmt

    check_lang(lang)
    gpus = catalog.gpus()
    if as_json:
        sys.stdout.write(json.dumps([g.model_dump() for g in gpus], indent=2, ensure_ascii=False) + "\n")
        return
    rows = [
        (
            g.key, fmt.number(g.bf16_tflops, 1), fmt.number(g.fp8_tflops, 1) if g.fp8_tflops else "—",
            fmt.number(g.fp32_tflops, 1) if g.fp32_tflops else f"~{fmt.number(catalog.fp32_of(g), 1)}",
            fmt.number(g.hbm_bytes / 1e9, 1), fmt.number(g.hbm_bandwidth_bytes_per_s / 1e12, 2),
            fmt.number(g.link_bytes_per_s_per_direction / 1e9, 0) if g.link_bytes_per_s_per_direction else "—",
            fmt.count(g.tdp_w) if g.tdp_w else f"~{fmt.count(catalog.tdp_of(g))}",
            g.source_date + ("*" if g.status == "unofficial" else ""),
        )
        for g in gpus
    ]
    console.print(_table(tr("cat_gpu_title", lang), _GPU_COLUMNS, rows, lang))
    console.print(tr("cat_gpu_legend", lang))


@catalog_app.command("models")
def catalog_models(as_json: bool = typer.Option(False, "--json", help="Print as JSON."), lang: str = LANG_OPT) -> None:
    """Model presets: architecture, exact parameter count, published size, source."""
    from xlcompute import catalog, fmt
    from xlcompute.core.params import count_params

    check_lang(lang)
    models = catalog.models()
    if as_json:
        sys.stdout.write(json.dumps([m.model_dump() for m in models], indent=2, ensure_ascii=False) + "\n")
        return
    rows: list[tuple[str, ...]] = []
    for m in models:
        c = count_params(m.arch)
        rows.append((
            m.key + (" *" if m.unofficial else ""), str(m.arch.layers), str(m.arch.hidden),
            f"{m.arch.heads}/{m.arch.kv_heads}", fmt.number(c.total / 1e9, 1) + "B",
            fmt.number(c.active / 1e9, 1) + "B", fmt.number(m.published_params / 1e9, 1) + "B",
        ))
    console.print(_table(tr("cat_model_title", lang), _MODEL_COLUMNS, rows, lang))
    console.print(tr("cat_model_legend", lang))
