"""The appendices: the formula list (every core function the figures use, with its source)
and the catalog rows of the chosen accelerator and model."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any


from xlcompute import catalog, fmt
from xlcompute._graph import STEPS
from xlcompute.core import arith, cost
from xlcompute.report.context._ctx import _Ctx, _label



# --- appendix ----------------------------------------------------------------------------------


def _plain_doc(doc: str) -> str:
    """Docstring text without reStructuredText markup (``code``, :func:`name`)."""
    doc = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", doc)
    return doc.replace("``", "")


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(_plain_doc(inspect.cleandoc(doc)).split("\n\n")[0].split())


def _module_sources(mod_doc: str | None) -> str:
    """The module docstring's title line and its "Sources" paragraphs."""
    if not mod_doc:
        return ""
    paras = _plain_doc(inspect.cleandoc(mod_doc)).split("\n\n")
    keep = [paras[0]] + [p for p in paras[1:] if p.lstrip().startswith("Sources")]
    return "\n\n".join(_reflow(p) for p in keep)


def _reflow(para: str) -> str:
    """Join a docstring paragraph's hard-wrapped lines, keeping one line per "- " list item and
    the heading line ("Sources"), so the PDF wraps the text to its own column width."""
    out: list[str] = []
    for line in para.splitlines():
        stripped = line.strip()
        if out and not stripped.startswith("- ") and out[-1] != "Sources" and not out[-1].endswith(":"):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped)
    return "\n".join(out)


# Core functions the proposal calls itself (cost by year, shares), beyond the graph's.
_REPORT_FUNCTIONS: tuple[Callable[..., Any], ...] = (arith.ratio, arith.product, cost.total_cost)


def _formulas(c: _Ctx) -> dict[str, Any]:
    used: dict[Callable[..., Any], list[str]] = {}
    for st in STEPS:
        used.setdefault(st.fn, []).append(_label(st.key, c.lang))
    for fn in _REPORT_FUNCTIONS:
        used.setdefault(fn, []).append(str(c.t("used_by_report")))
    rows, modules = [], {}
    for fn, labels in used.items():
        module = inspect.getmodule(fn)
        modname = fn.__module__.removeprefix("xlcompute.core.")
        rows.append({
            "name": f"{modname}.{fn.__name__}",
            "doc": _first_paragraph(fn.__doc__),
            "used_for": "; ".join(dict.fromkeys(labels)),
        })
        if module is not None and fn.__module__ not in modules:
            modules[fn.__module__] = _module_sources(module.__doc__)
    return {"rows": rows, "modules": [{"name": k, "sources": v} for k, v in modules.items()]}


def _catalog_rows(c: _Ctx) -> list[dict[str, Any]]:
    sc, out = c.r.scenario, []
    acc = sc.cluster.accelerator
    if isinstance(acc, str):
        g = catalog.get_gpu(acc)
        fields = [
            ("key", g.key), ("name", g.name), ("vendor", g.vendor), ("form_factor", g.form_factor),
            ("bf16_tflops", fmt.plain(g.bf16_tflops)),
            ("fp8_tflops", fmt.plain(g.fp8_tflops) if g.fp8_tflops else "—"),
            ("hbm_bytes", fmt.count(g.hbm_bytes)), ("hbm_type", g.hbm_type),
            ("hbm_bandwidth_bytes_per_s", fmt.count(g.hbm_bandwidth_bytes_per_s)),
            ("link_name", g.link_name or "—"),
            ("link_bytes_per_s_per_direction",
             fmt.count(g.link_bytes_per_s_per_direction) if g.link_bytes_per_s_per_direction else "—"),
            ("cards_per_node", fmt.count(g.cards_per_node)),
            ("tdp_w", fmt.count(g.tdp_w) if g.tdp_w else "—"),
            ("status", g.status), ("source", g.source), ("source_date", g.source_date), ("notes", g.notes),
        ]
        out.append({"title": g.name, "name": g.name, "unofficial": g.status != "official", "fields": fields})
    if sc.model.preset is not None:
        m = catalog.get_model(sc.model.preset)
        a = m.arch
        fields = [
            ("key", m.key), ("name", m.name), ("family", m.family),
            ("arch", f"layers {a.layers}, hidden {a.hidden}, heads {a.heads}, kv_heads {a.kv_heads}, "
                     f"ffn_hidden {a.ffn_hidden}, vocab {a.vocab}"),
            ("published_params", fmt.count(m.published_params)),
            ("training_tokens", fmt.count(m.training_tokens) if m.training_tokens else "—"),
            ("seq_len", fmt.count(m.seq_len) if m.seq_len else "—"),
            ("unofficial", str(m.unofficial).lower()),
            ("source", m.source), ("source_date", m.source_date), ("notes", m.notes),
        ]
        out.append({"title": m.name, "name": m.name, "unofficial": m.unofficial, "fields": fields})
    return out
