"""The appendices' catalog rows: the chosen accelerator's and model's catalog figures with their
sources, labelled in plain words (the formula listing is the attached workbook's Formulas sheet)."""

from __future__ import annotations

from typing import Any

from xlcompute import catalog, fmt
from xlcompute.report.context._ctx import _Ctx

__all__ = ["_catalog_rows"]


def _catalog_rows(c: _Ctx) -> list[dict[str, Any]]:
    sc, out = c.r.scenario, []

    def field(key: str, value: str) -> tuple[str, str]:
        return str(c.t(key)), value

    acc = sc.cluster.accelerator
    if isinstance(acc, str):
        g = catalog.get_gpu(acc)
        link_bw = g.link_bytes_per_s_per_direction
        fields = [
            field("cat_key", g.key), field("cat_vendor", g.vendor), field("cat_form_factor", g.form_factor),
            field("cat_bf16", fmt.plain(g.bf16_tflops)),
            field("cat_fp8", fmt.plain(g.fp8_tflops) if g.fp8_tflops else "—"),
            field("cat_hbm", fmt.number(g.hbm_bytes / 1e9, 0)), field("cat_hbm_type", g.hbm_type),
            field("cat_hbm_bw", fmt.number(g.hbm_bandwidth_bytes_per_s / 1e12, 2)),
            field("cat_link", g.link_name or "—"),
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
            field("cat_tokens", fmt.count(m.training_tokens) if m.training_tokens else "—"),
            field("cat_seq", fmt.count(m.seq_len) if m.seq_len else "—"),
            field("cat_unofficial", str(c.t("yes" if m.unofficial else "no"))),
            field("cat_source", m.source), field("cat_date", m.source_date),
        ]
        if c.lang == "en" and m.notes:
            fields.append(field("cat_notes", m.notes))
        out.append({"title": m.name, "name": m.name, "unofficial": m.unofficial, "fields": fields})
    return out
