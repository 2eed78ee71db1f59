"""The appendices' catalog rows: the chosen accelerator's and model's catalog figures with their
sources, labelled in plain words (the formula listing is the attached workbook's Formulas sheet)."""

from __future__ import annotations

from typing import Any

from xlcompute import catalog, fmt
from xlcompute.report.context._ctx import _Ctx

__all__ = ["_catalog_rows", "CATALOG_TEXT_ZH", "catalog_text"]

#: The accelerator catalog's descriptive words (form factor, link, memory type) in Chinese, by their exact
#: English text: they are wording, not citations (a text without an entry, a bare name such as "SXM5" or
#: "NVLink 4", is shown as published).
CATALOG_TEXT_ZH: dict[str, str] = {
    # link_name
    "NVLink 2 (6 links x 50 GB/s)": "NVLink 2（6 条链路 × 50 GB/s）",
    "NVLink 3 (12 links x 50 GB/s)": "NVLink 3（12 条链路 × 50 GB/s）",
    "NVLink 3, reduced (China export SKU)": "NVLink 3（中国出口版，带宽降低）",
    "NVLink 4 (18 links)": "NVLink 4（18 条链路）",
    "NVLink 4, reduced (China export SKU)": "NVLink 4（中国出口版，带宽降低）",
    "NVLink 5 (NVL72 rack domain)": "NVLink 5（NVL72 整机柜互联域）",
    "Infinity Fabric (8 links, aggregate peak)": "Infinity Fabric（8 条链路，合计峰值）",
    "Infinity Fabric (7 links x 128 GB/s)": "Infinity Fabric（7 条链路 × 128 GB/s）",
    "on-chip RoCE, 21 of 24 x 100 GbE ports for the in-server all-to-all":
        "片上 RoCE：24 个 100 GbE 端口中的 21 个用于服务器内 all-to-all",
    "on-chip RoCE, 21 of 24 x 200 GbE ports for the in-server all-to-all":
        "片上 RoCE：24 个 200 GbE 端口中的 21 个用于服务器内 all-to-all",
    "ICI, 3D mesh/torus (6 links)": "ICI（三维网格/环面，6 条链路）",
    "ICI, 2D torus (4 ports)": "ICI（二维环面，4 个端口）",
    "ICI, 3D torus": "ICI（三维环面）",
    "HCCS (reported)": "HCCS（据报道）",
    "PCIe Gen4 x16 (no NVLink)": "PCIe Gen4 x16（无 NVLink）",
    # form_factor
    "PCIe Gen4 consumer": "PCIe Gen4 消费级显卡",
    "PCIe Gen4 dual-slot": "PCIe Gen4 双槽显卡",
    "SXM (HGX)": "SXM（HGX）",
    "Superchip (Grace CPU + Hopper GPU)": "超级芯片（Grace CPU + Hopper GPU）",
    "Superchip (GB200 NVL72)": "超级芯片（GB200 NVL72）",
    "chip (4 chips per host)": "芯片（每台主机 4 颗）",
    "chip (8 chips per host)": "芯片（每台主机 8 颗）",
    "OAM-like module (8 per Atlas 800T A2 server)": "类 OAM 模组（每台 Atlas 800T A2 服务器 8 个）",
    "dual-die package": "双芯粒封装",
    # hbm_type
    "GDDR6 (ECC)": "GDDR6（ECC）",
    "HBM2e/HBM3 (reported)": "HBM2e/HBM3（据报道）",
}


def catalog_text(text: str, lang: str) -> str:
    """A descriptive catalog text (form factor, link, memory type) in ``lang``."""
    return CATALOG_TEXT_ZH.get(text, text) if lang == "zh" else text


def _catalog_rows(c: _Ctx) -> list[dict[str, Any]]:
    sc, out = c.r.scenario, []

    def field(key: str, value: str) -> tuple[str, str]:
        return str(c.t(key)), value

    acc = sc.cluster.accelerator
    if isinstance(acc, str):
        g = catalog.get_gpu(acc)
        link_bw = g.link_bytes_per_s_per_direction
        fields = [
            field("cat_key", g.key), field("cat_vendor", g.vendor),
            field("cat_form_factor", catalog_text(g.form_factor, c.lang)),
            field("cat_bf16", fmt.plain(g.bf16_tflops)),
            field("cat_fp8", fmt.plain(g.fp8_tflops) if g.fp8_tflops else "—"),
            field("cat_hbm", fmt.number(g.hbm_bytes / 1e9, 0)),
            field("cat_hbm_type", catalog_text(g.hbm_type, c.lang)),
            field("cat_hbm_bw", fmt.number(g.hbm_bandwidth_bytes_per_s / 1e12, 2)),
            field("cat_link", catalog_text(g.link_name, c.lang) if g.link_name else "—"),
            field("cat_link_bw", fmt.number(link_bw / 1e9, 0) if link_bw else "—"),
            field("cat_per_node", fmt.count(g.cards_per_node)),
            field("cat_tdp", fmt.count(g.tdp_w) if g.tdp_w else str(c.t(
                "cat_tdp_assumed", watts=fmt.count(catalog.tdp_of(g)), ref=catalog.tdp_reference(g).key))),  # type: ignore[union-attr]
            field("cat_unofficial", str(c.t("no" if g.status == "official" else "yes"))),
            field("cat_source", g.source), field("cat_date", g.source_date),
        ]
        if c.lang == "en" and g.notes:  # the catalog's notes are English prose: not in the Chinese proposal
            fields.append(field("cat_notes", g.notes))
        out.append({"title": g.name, "name": g.name, "unofficial": g.status != "official", "fields": fields})
    if sc.model.preset is not None:
        m = catalog.get_model(sc.model.preset)
        a = m.arch
        fields = [
            field("cat_key", m.key), field("cat_family", m.family),
            field("cat_shape", str(c.t("cat_shape_value", layers=fmt.count(a.layers), hidden=fmt.count(a.hidden),
                                       heads=fmt.count(a.heads), kv=fmt.count(a.kv_heads),
                                       ffn=fmt.count(a.ffn_hidden), vocab=fmt.count(a.vocab)))),
            field("cat_params", fmt.count(m.published_params)),
            field("cat_tokens", fmt.big_count(m.training_tokens, c.lang) if m.training_tokens else "—"),
            field("cat_seq", fmt.count(m.seq_len) if m.seq_len else "—"),
            field("cat_unofficial", str(c.t("yes" if m.unofficial else "no"))),
            field("cat_source", m.source), field("cat_date", m.source_date),
        ]
        if c.lang == "en" and m.notes:
            fields.append(field("cat_notes", m.notes))
        out.append({"title": m.name, "name": m.name, "unofficial": m.unofficial, "fields": fields})
    return out
