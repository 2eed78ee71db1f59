"""``xlcompute catalog gpus | models``: the accelerator and model presets."""

from __future__ import annotations

import json
import sys

import typer

from xlcompute.cli._common import CONTEXT_SETTINGS, console

__all__ = ["catalog_app", "catalog_gpus", "catalog_models"]

catalog_app = typer.Typer(
    help="List the accelerator and model presets.", no_args_is_help=True, context_settings=CONTEXT_SETTINGS
)


@catalog_app.command("gpus")
def catalog_gpus(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Accelerator presets: dense peak, memory, bandwidth, power, source."""
    from rich.table import Table

    from xlcompute import catalog, fmt

    rows = catalog.gpus()
    if as_json:
        sys.stdout.write(json.dumps([g.model_dump() for g in rows], indent=2, ensure_ascii=False) + "\n")
        return
    t = Table(title="Accelerators (dense figures, not sparsity; `--json` for sources)", title_justify="left")
    for col in ("key", "bf16", "fp8", "fp32", "HBM", "HBM BW", "link", "TDP", "source date"):
        t.add_column(col, justify="left" if col in ("key", "source date") else "right", no_wrap=True)
    for g in rows:
        t.add_row(
            g.key, fmt.number(g.bf16_tflops, 1), fmt.number(g.fp8_tflops, 1) if g.fp8_tflops else "—",
            fmt.number(g.fp32_tflops, 1) if g.fp32_tflops else f"~{fmt.number(catalog.fp32_of(g), 1)}",
            fmt.number(g.hbm_bytes / 1e9, 1), fmt.number(g.hbm_bandwidth_bytes_per_s / 1e12, 2),
            fmt.number(g.link_bytes_per_s_per_direction / 1e9, 0) if g.link_bytes_per_s_per_direction else "—",
            fmt.count(g.tdp_w) if g.tdp_w else f"~{fmt.count(catalog.tdp_of(g))}", g.source_date + ("*" if g.status == "unofficial" else ""),
        )
    console.print(t)
    console.print(
        "bf16/fp8: dense TFLOPS; fp32: vector (non-tensor) TFLOPS, where weight-only int8/int4 serving dequantises "
        "(~ assumed: none published, the A100's per byte of HBM bandwidth); HBM: GB (10^9 B); HBM BW: TB/s; link: "
        "intra-server GB/s per direction; TDP: W (~ assumed: none published, scaled from the card the notes name); "
        "* unofficial figures."
    )


@catalog_app.command("models")
def catalog_models(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Model presets: architecture, exact parameter count, published size, source."""
    from rich.table import Table

    from xlcompute import catalog, fmt
    from xlcompute.core.params import count_params

    rows = catalog.models()
    if as_json:
        sys.stdout.write(json.dumps([m.model_dump() for m in rows], indent=2, ensure_ascii=False) + "\n")
        return
    t = Table(title="Models (`--json` for architectures and sources)", title_justify="left")
    for col in ("key", "layers", "hidden", "heads", "exact", "active", "published"):
        t.add_column(col, justify="left" if col == "key" else "right", no_wrap=True)
    for m in rows:
        c = count_params(m.arch)
        t.add_row(
            m.key + (" *" if m.unofficial else ""), str(m.arch.layers), str(m.arch.hidden),
            f"{m.arch.heads}/{m.arch.kv_heads}", fmt.number(c.total / 1e9, 1) + "B",
            fmt.number(c.active / 1e9, 1) + "B", fmt.number(m.published_params / 1e9, 1) + "B",
        )
    console.print(t)
    console.print("heads: query/key-value heads. exact: counted from the architecture. * unofficial (rumoured).")
