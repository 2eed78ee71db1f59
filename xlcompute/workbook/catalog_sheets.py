"""The Hardware and Models sheets: the catalog as lookup tables for the Inputs sheet.

The Inputs sheet's preset-dependent cells hold ``INDEX(<column>, MATCH(<choice>, <keys>, 0))``
into these tables, so picking another accelerator or model in a drop-down changes every result.
A custom accelerator or architecture from the scenario becomes one more row (source "scenario").
The Hardware sheet also carries each card's default prices in the scenario's currency
(``catalog/prices.yaml``, as ``estimate._price_inputs`` resolves them), so the prices the scenario
leaves out follow the drop-down too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import re

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from xlcompute import catalog, registry
from xlcompute.catalog import default_prices
from xlcompute.sources import price_source
from xlcompute.core.cost import tdp_scaled_by_peak
from xlcompute.core.inference import fp32_scaled_by_bandwidth
from xlcompute.core.expr import Ref, excel_formula
from xlcompute.core.params import ModelArch
from xlcompute.core.spread import CARD_END_TO_END_RECORDED, times_predicted
from xlcompute.core.units import gbit_to_gbyte
from xlcompute.planner.inputs import ARCHITECTURE_PROFILES, carried_profile, kernel_profile, model_values
from xlcompute.scenario import CustomAccelerator, Scenario
from xlcompute.workbook.styles import put_text, style_header, style_plain, style_title, wrapped_height
from xlcompute.workbook.text import sheet_title, text

__all__ = ["HW_INT8_COLUMN", "HW_SOURCE", "PRICE_SOURCE", "KERNEL_SOURCE", "SERVING_SOURCE", "MODEL_SOURCE", "KERNEL_COLUMNS",
           "SERVING_FACTOR_COLUMNS", "CatalogTable", "write_hardware", "write_models", "HW_COLUMNS", "PRICE_COLUMNS", "MODEL_COLUMNS",
           "MODEL_KEYS", "lookup_key", "sheet_ref"]

_FIRST = 3  # first data row (row 1 title, row 2 headers)
# Column widths. The source column wraps (with a row height that shows it whole) instead of being
# one long line: a 60-wide clipped column made both sheets print at a tiny scale.
_HW_WIDTHS = (12, 26, 10, 10, 9, 9, 12, 8, 9, 10, 10, 11, 46, 10, 14, 14, 11, 11, 46, 11, 11, 11, 22, 11, 11, 46, 12,
              11)
# key, name, then one column per model input (MODEL_KEYS), published size, source, date
_MODEL_WIDTHS = (14, 18, 12, 12, 8, 8, 8, 8, 8, 9, 9, 7, 10, 12, 12, 8, 8, 8, 8, 9, 12, 12, 12, 9, 9, 12, 46, 10)

# Input key -> column letter in the Hardware sheet (gpu_peak_tflops: bf16 C, fp8 D).
HW_COLUMNS: dict[str, str] = {
    "gpu_peak_tflops": "C", "gpu_hbm_gb": "E", "gpu_hbm_tbps": "F", "intra_node_gbs": "G",
    "gpu_tdp_w": "H", "cards_per_node": "I", "offload_gb": "J", "offload_gbs": "K",
}
HW_FP8_COLUMN = "D"
# Default prices of each card in the scenario's currency (prices.yaml), after the catalog's own
# source and date (L-N) so the catalog columns keep their letters: server price per card slot (the
# Inputs sheet multiplies it by cards_per_node), on-demand rental per card-hour, the reserved
# prices' shares of on-demand, and where the prices come from (S).
PRICE_COLUMNS: dict[str, str] = {
    "server_per_card": "O", "on_demand": "P", "reserved_1y_share": "Q", "reserved_3y_share": "R",
}
_PRICE_SOURCE = 19
# The step-time model's kernel constants of the card's generation (planner.inputs.kernel_profile,
# as the estimate resolves them): they follow the drop-down too, with the profile named in W.
KERNEL_COLUMNS: dict[str, str] = {
    "matmul_eff_max": "T", "elementwise_traffic_factor": "U", "flash_attention_efficiency": "V",
}
_KERNEL_SOURCE = 23
HW_COLUMNS.update(KERNEL_COLUMNS)  # looked up like the catalog figures (and kept per card on Compare)
# The inference model's factors of the card or its vendor (serving_model.factor_of; 1 = the NVIDIA
# fit), with where they come from in Z: a card picked in the drop-down serves at its own factor.
SERVING_FACTOR_COLUMNS: dict[str, str] = {"serving_vendor_compute": "X", "serving_vendor_hbm": "Y"}
_SERVING_SOURCE = 26
HW_COLUMNS.update(SERVING_FACTOR_COLUMNS)
# The card's FP32 vector peak (catalog.fp32_of; where a weight-only serving kernel dequantises), after the
# serving source so the earlier columns keep their letters; an unpublished one is the reference card's
# FP32 per byte of HBM bandwidth as a live formula, noted in the row's source (M).
FP32_COLUMN = "AA"
HW_COLUMNS["gpu_fp32_tflops"] = FP32_COLUMN
# The card's dense INT8 tensor peak (catalog int8_tops), where the w8a8 serving precision's GEMMs run:
# the Inputs sheet's serving peak reads it when serving_int8 is 1 (blank: none in the catalog).
HW_INT8_COLUMN = "AB"
# The model inputs of the graph, one column each from C on, in planner.inputs.model_values terms.
MODEL_KEYS: tuple[tuple[str, str], ...] = (
    ("model_params", "m_params"), ("model_active_params", "m_active"), ("layers", "m_layers"),
    ("hidden", "m_hidden"), ("heads", "m_heads"), ("kv_heads", "m_kv"), ("head_dim", "m_head_dim"),
    ("attn_width", "m_attn_width"), ("ffn_hidden", "m_ffn"), ("gated_ffn", "m_gated"), ("vocab", "m_vocab"),
    ("embedding_params", "m_embedding"), ("lm_head_params", "m_lm_head"),
    # mixture of experts, MLA, MTP (issue 15): 0 for a dense model
    ("moe_layers", "m_moe_layers"), ("experts", "m_experts"), ("moe_top_k", "m_top_k"),
    ("shared_experts", "m_shared_experts"), ("moe_ffn_hidden", "m_moe_ffn"), ("expert_params", "m_expert_params"),
    ("mla_qkv_params", "m_mla_qkv"), ("mtp_params", "m_mtp"),
    # group-limited routing (DeepSeek), read by the deduplicating all-to-all
    ("expert_groups", "m_expert_groups"), ("group_limit", "m_group_limit"),
)
MODEL_COLUMNS: dict[str, str] = {key: get_column_letter(3 + i) for i, (key, _) in enumerate(MODEL_KEYS)}
_M_PUBLISHED = 3 + len(MODEL_KEYS)
# Where each looked-up input's source is, so the Inputs sheet's source cell follows the drop-down:
# the catalog's citation (M, Models Q), the price source (S), the kernel profile (W).
HW_SOURCE, PRICE_SOURCE, KERNEL_SOURCE, SERVING_SOURCE = "M", "S", "W", "Z"
MODEL_SOURCE = get_column_letter(_M_PUBLISHED + 1)


@dataclass
class CatalogTable:
    """Where a catalog sheet's rows are, and which key the scenario selects."""

    sheet: str
    first_row: int
    last_row: int
    selected: str
    keys: list[str] = field(default_factory=list)

    def column(self, letter: str) -> str:
        # Quoted when the tab name needs it (the Chinese edition's tabs are translated).
        return f"{sheet_ref(self.sheet)}!${letter}${self.first_row}:${letter}${self.last_row}"

    def lookup(self, letter: str, choice_name: str) -> str:
        """Excel text (no ``=``) of the lookup of column ``letter`` for the chosen key."""
        return f"INDEX({self.column(letter)},MATCH({choice_name},{self.column('A')},0))"


def sheet_ref(title: str) -> str:
    """A tab name as a formula names it: bare when plain ASCII (the English tabs, so their formula
    text is unchanged), quoted otherwise (the Chinese tabs, a name with a space)."""
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) else quote_sheetname(title)


def lookup_key(name: str, taken: set[str]) -> str:
    """A catalog key for a scenario's custom row: MATCH treats * ? ~ as wildcards, so they are
    replaced, and a clash with a catalog key gets a suffix."""
    key = "".join("_" if ch in "*?~" else ch for ch in name.strip()) or "custom"
    base, n = key, 2
    while key.lower() in taken:
        key = f"{base} ({n})"
        n += 1
    return key


def _headers(ws: Worksheet, keys: list[str], lang: str) -> None:
    for col, key in enumerate(keys, start=1):
        style_header(ws.cell(row=2, column=col, value=text(key, lang)))
    ws.row_dimensions[2].height = 50  # room for the wrapped headers (three lines at most)
    ws.print_title_rows = "2:2"  # the headers repeat on every printed page


def write_hardware(ws: Worksheet, scenario: Scenario, lang: str) -> CatalogTable:
    """Fill the Hardware sheet; returns where its rows are and the selected key."""
    style_title(ws.cell(row=1, column=1, value=sheet_title("hardware", lang)))
    currency = scenario.pricing.currency
    _headers(ws, ["hw_key", "hw_name", "hw_bf16", "hw_fp8", "hw_hbm", "hw_bw", "hw_link", "hw_tdp",
                  "hw_per_node", "hw_offload", "hw_offload_bw", "hw_vendor", "col_source", "src_date",
                  "hw_server_price", "hw_on_demand", "hw_reserved_1y", "hw_reserved_3y", "hw_price_source",
                  "hw_matmul_eff", "hw_elementwise", "hw_flash", "hw_profile", "hw_serving_compute",
                  "hw_serving_hbm", "hw_serving_source", "hw_fp32", "hw_int8"], lang)
    for col in (15, 16):  # the price headers name the currency
        c = ws.cell(row=2, column=col)
        c.value = f"{c.value} ({text(f'currency_{currency}', lang)})"
    row = _FIRST
    keys: list[str] = []
    acc = scenario.cluster.accelerator
    rows = {g.key: _FIRST + i for i, g in enumerate(catalog.gpus())}
    for g in catalog.gpus():
        # Same conversions as estimate._gpu_inputs, so lookups equal the Python inputs exactly; a
        # card without an offload tier shows 0 (none), the estimate's default. A figure the catalog
        # lacks is the estimate's flagged assumption as a live formula (a blank would become 0).
        link: float | str
        notes: list[str] = []
        if g.link_bytes_per_s_per_direction is None:
            link = excel_formula(gbit_to_gbyte(Ref("inter_node_gbps")))
            notes.append(text("hw_link_assumed", lang))
        else:
            link = g.link_bytes_per_s_per_direction / 1e9
        ref = catalog.tdp_reference(g)
        tdp: float | str | None = g.tdp_w
        if ref is not None:
            tdp = excel_formula(tdp_scaled_by_peak(
                Ref(f"$H${rows[ref.key]}"), Ref(f"$C${row}"), Ref(f"$C${rows[ref.key]}")))
            notes.append(text("hw_tdp_assumed", lang).format(ref=ref.key))
        fp32_ref = rows[catalog.FP32_REFERENCE]
        fp32: float | str = g.fp32_tflops if g.fp32_tflops is not None else _fp32_formula(row, fp32_ref)
        if g.fp32_tflops is None:
            notes.append(text("hw_fp32_assumed", lang).format(ref=catalog.FP32_REFERENCE))
        tier = (0.0, 0.0) if g.offload_bytes is None or g.offload_bytes_per_s_per_direction is None else (
            g.offload_bytes / 1e9, g.offload_bytes_per_s_per_direction / 1e9)
        values = [g.bf16_tflops, g.fp8_tflops, g.hbm_bytes / 1e9, g.hbm_bandwidth_bytes_per_s / 1e12,
                  link, tdp, g.cards_per_node, *tier]
        _hw_row(ws, row, g.key, g.name, values, g.vendor, "; ".join([g.source, *notes]), g.source_date)
        _price_cells(ws, row, currency, g.key, lang)
        _kernel_cells(ws, row, g.key, g.architecture, lang)
        _serving_cells(ws, row, g.key, g.vendor, lang)
        _fp32_cell(ws, row, fp32)
        _int8_cell(ws, row, g.int8_tops)
        keys.append(g.key)
        row += 1
    if isinstance(acc, CustomAccelerator):
        selected = lookup_key(acc.name, {k.lower() for k in keys})
        values = [acc.bf16_tflops, acc.fp8_tflops, acc.hbm_gb, acc.hbm_tbps, acc.intra_node_gbs, acc.tdp_w,
                  acc.cards_per_node, 0.0, 0.0]
        _hw_row(ws, row, selected, acc.name, values, "", text("scenario_row", lang), "")
        _price_cells(ws, row, currency, None, lang)  # a custom card: the currency's defaults, as the estimate
        _kernel_cells(ws, row, None, None, lang)
        _serving_cells(ws, row, None, None, lang)
        _fp32_cell(ws, row, acc.fp32_tflops if acc.fp32_tflops is not None
                   else _fp32_formula(row, rows[catalog.FP32_REFERENCE]))
        _int8_cell(ws, row, acc.int8_tops)
        keys.append(selected)
        row += 1
    else:
        selected = catalog.get_gpu(acc).key
    for col, width in enumerate(_HW_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    return CatalogTable(ws.title, _FIRST, row - 1, selected, keys)


def _fp32_formula(row: int, ref_row: int) -> str:
    """The reference card's FP32 vector peak scaled by this row's HBM bandwidth (F), as the estimate
    assumes it (core.inference.fp32_scaled_by_bandwidth)."""
    return excel_formula(fp32_scaled_by_bandwidth(Ref(f"${FP32_COLUMN}${ref_row}"), Ref(f"$F${row}"),
                                                  Ref(f"$F${ref_row}")))


def _fp32_cell(ws: Worksheet, row: int, value: float | str) -> None:
    c = ws[f"{FP32_COLUMN}{row}"]
    style_plain(c, wrap=True)
    c.value = value
    c.number_format = "#,##0.0##"


def _int8_cell(ws: Worksheet, row: int, value: float | None) -> None:
    c = ws[f"{HW_INT8_COLUMN}{row}"]
    style_plain(c, wrap=True)
    c.value = value
    c.number_format = "#,##0.0##"


def _price_cells(ws: Worksheet, row: int, currency: str, card: str | None, lang: str = "en") -> None:
    """A card's default prices in ``currency``: its own prices.yaml row, else the currency's table
    (``catalog.default_prices``, the function the estimate resolves prices with)."""
    prices = default_prices(currency, card)
    for key, letter in PRICE_COLUMNS.items():
        c = ws[f"{letter}{row}"]
        style_plain(c, wrap=True)  # the named style first: it resets the number format
        c.value = prices[key].value
        c.number_format = {"server_per_card": "#,##0", "on_demand": "#,##0.00"}.get(key, "0%")
    src = ws.cell(row=row, column=_PRICE_SOURCE)
    style_plain(src, wrap=True)
    words = price_source(prices["server_per_card"].source, lang)  # Chinese in the Chinese workbook
    put_text(src, words)
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, wrapped_height([(words, _HW_WIDTHS[18])]))


def _hw_row(ws: Worksheet, row: int, key: str, name: str, values: list[float | int | str | None], vendor: str,
            source: str, date: str) -> None:
    for col in range(1, 15):  # the named style first: it resets the number format
        style_plain(ws.cell(row=row, column=col), wrap=True)
    put_text(ws.cell(row=row, column=1), key)
    put_text(ws.cell(row=row, column=2), name)
    for col, v in enumerate(values, start=3):
        c = ws.cell(row=row, column=col, value=v)
        c.number_format = "#,##0" if col in (8, 9) else "#,##0.0##"  # TDP W, cards per server: whole
    for col, t in ((12, vendor), (13, source), (14, date)):
        put_text(ws.cell(row=row, column=col), t)
    ws.row_dimensions[row].height = wrapped_height(
        [(name, _HW_WIDTHS[1]), (vendor, _HW_WIDTHS[11]), (source, _HW_WIDTHS[12])])


def _kernel_cells(ws: Worksheet, row: int, card: str | None, architecture: str | None, lang: str) -> None:
    """A card's kernel constants (``kernel_profile``, the function the estimate uses) and which
    generation's calibration they are, calibrated on this card's die or extrapolated."""
    profile, status = kernel_profile(card, architecture)
    for key, letter in KERNEL_COLUMNS.items():
        c = ws[f"{letter}{row}"]
        style_plain(c, wrap=True)
        c.value = getattr(profile, key)
        c.number_format = "0.00#"
    generation = ARCHITECTURE_PROFILES.get(architecture or "", "ampere")
    carried = carried_profile(card, architecture) is not None
    how = text("hw_calibrated" if status.startswith("calibrated") else "hw_carried" if carried else "hw_extrapolated",
               lang)
    runs = CARD_END_TO_END_RECORDED.get(card or "")  # a card no step time tests, with published runs on it
    if runs is not None:
        how += text("hw_card_runs", lang).format(n=runs[0], times=f"{times_predicted(runs[1]):.1f}")
    words = f"{generation}: {how}"
    style_plain(ws.cell(row=row, column=_KERNEL_SOURCE), wrap=True)
    put_text(ws.cell(row=row, column=_KERNEL_SOURCE), words)
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0,
                                        wrapped_height([(words, _HW_WIDTHS[_KERNEL_SOURCE - 1])]))


def _serving_cells(ws: Worksheet, row: int, card: str | None, vendor: str | None, lang: str) -> None:
    """A card's serving factors (``serving_model.factor_of``, as the estimate takes them) and their
    source: 1 and 1 where neither the card nor its vendor has one (the NVIDIA fit as it stands)."""
    from xlcompute.serving_model import factor_of

    f = factor_of(card, vendor)
    for key, letter in SERVING_FACTOR_COLUMNS.items():
        c = ws[f"{letter}{row}"]
        style_plain(c, wrap=True)
        c.value = 1.0 if f is None else (f.compute if key == "serving_vendor_compute" else f.hbm)
        c.number_format = "0.00#"
    words = text("hw_serving_none", lang) if f is None else (f.source_zh if lang == "zh" else f.source)
    style_plain(ws.cell(row=row, column=_SERVING_SOURCE), wrap=True)
    put_text(ws.cell(row=row, column=_SERVING_SOURCE), words)
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0,
                                        wrapped_height([(words, _HW_WIDTHS[_SERVING_SOURCE - 1])]))


def write_models(ws: Worksheet, scenario: Scenario, lang: str) -> CatalogTable:
    """Fill the Models sheet; returns where its rows are and the selected key."""
    style_title(ws.cell(row=1, column=1, value=sheet_title("models", lang)))
    _headers(ws, ["hw_key", "hw_name", *(t for _, t in MODEL_KEYS), "m_published", "col_source", "src_date"], lang)
    row = _FIRST
    keys: list[str] = []
    for m in catalog.models():
        _model_row(ws, row, m.key, m.name, m.arch, m.published_params, m.source, m.source_date)
        keys.append(m.key)
        row += 1
    spec = scenario.model
    if spec.arch is not None:
        selected = lookup_key(spec.arch.name, {k.lower() for k in keys})
        _model_row(ws, row, selected, spec.arch.name, spec.arch, None, text("scenario_row", lang), "")
        keys.append(selected)
        row += 1
    else:
        selected = catalog.get_model(spec.preset or "").key
    for col, width in enumerate(_MODEL_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    return CatalogTable(ws.title, _FIRST, row - 1, selected, keys)


@functools.lru_cache(maxsize=256)
def _model_inputs(arch: ModelArch) -> tuple[float, ...]:
    # The same mapping as the estimate (planner.inputs.model_values); presets repeat in a batch.
    v = model_values(arch, seq_len=0)
    return tuple(v[key] for key, _ in MODEL_KEYS)


def _model_row(ws: Worksheet, row: int, key: str, name: str, arch: ModelArch, published: int | None,
               source: str, date: str) -> None:
    ncols = _M_PUBLISHED + 2
    for col in range(1, ncols + 1):  # the named style first: it resets the number format
        style_plain(ws.cell(row=row, column=col), wrap=True)
    put_text(ws.cell(row=row, column=1), key)
    put_text(ws.cell(row=row, column=2), name)
    for col, ((qkey, _), v) in enumerate(zip(MODEL_KEYS, _model_inputs(arch)), start=3):
        c = ws.cell(row=row, column=col, value=int(v) if float(v).is_integer() and v < 2**53 else v)
        c.number_format = registry.excel_format(qkey, "USD")
    c = ws.cell(row=row, column=_M_PUBLISHED, value=published)
    c.number_format = "0.000E+00"
    put_text(ws.cell(row=row, column=_M_PUBLISHED + 1), source)
    put_text(ws.cell(row=row, column=_M_PUBLISHED + 2), date)
    ws.row_dimensions[row].height = wrapped_height(
        [(key, _MODEL_WIDTHS[0]), (name, _MODEL_WIDTHS[1]), (source, _MODEL_WIDTHS[_M_PUBLISHED])])
