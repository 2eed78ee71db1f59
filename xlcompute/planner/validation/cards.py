"""Which card a step-time run was measured on, read from its system's name.

The validation files describe systems ("NVIDIA DGX A800 (80G), 8 x A800-SXM4-80GB per node", "Selene DGX A100
80GB"), not catalog keys, and several cards share a die and a peak (A100 / A800, H100 / H800 / H200), so the card is
read from the words the source printed. ``xlcompute validate`` prints the held-out error per card with this, and the
proposal quotes the plan's card with the same function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from xlcompute.planner.validation.run import RowResult, ValidationReport

__all__ = ["CARD_OF_KEY", "CARD_NAMES", "CardRuns", "names_card", "card_name", "runs_named", "card_runs",
           "cards_named"]

#: Catalog key -> the name a run's system gives the card; the A100's 40 GB and 80 GB runs count for both (one die).
CARD_OF_KEY: dict[str, str] = {
    "A100-80G": "A100", "A100-40G": "A100", "A800": "A800", "H100-SXM": "H100", "H800": "H800", "H200": "H200",
    "B200": "B200", "GB200": "GB200", "910B": "910B", "MI300X": "MI300X", "MI325X": "MI325X", "Gaudi2": "Gaudi2",
    "Gaudi3": "Gaudi3",
}
#: The card names a system may print, in the order they are listed (name, English, Chinese).
CARD_NAMES: tuple[tuple[str, str, str], ...] = (
    ("A100", "A100", "A100"), ("A800", "A800", "A800"), ("H100", "H100", "H100"), ("H800", "H800", "H800"),
    ("H200", "H200", "H200"), ("B200", "B200", "B200"), ("GB200", "GB200", "GB200"),
    ("910B", "Ascend 910B", "昇腾 910B"), ("MI300X", "MI300X", "MI300X"), ("MI325X", "MI325X", "MI325X"),
    ("MI250X", "MI250X", "MI250X"), ("Gaudi2", "Gaudi 2", "Gaudi 2"), ("Gaudi3", "Gaudi 3", "Gaudi 3"),
)


class CardRuns(BaseModel):
    """The step-time runs measured on one card: its held-out runs' signed errors and how many runs calibrate it."""

    model_config = ConfigDict(frozen=True)
    name: str
    held_out_errors_pct: list[float]
    calibration: int
    calibration_errors_pct: list[float] = Field(default_factory=list, description="the signed errors of the runs "
                                                "on the card that the model was fitted on")

    @property
    def held_out(self) -> int:
        return len(self.held_out_errors_pct)

    @property
    def mean_abs_error_pct(self) -> float:
        return sum(abs(e) for e in self.held_out_errors_pct) / self.held_out

    @property
    def mean_signed_error_pct(self) -> float:
        return sum(self.held_out_errors_pct) / self.held_out


def names_card(system: str, name: str) -> bool:
    """Whether a run's system text names card ``name`` (not inside a longer name: "GB200" is no B200); a space or
    hyphen may part its letters from its number, as sources print "Gaudi 2" or "Gaudi-2" for Gaudi2."""
    pattern = re.sub(r"(?<=[A-Za-z])(?=[0-9])", r"[ -]?", name)
    return re.search(rf"(?<![A-Za-z0-9]){pattern}(?![0-9])", system) is not None


def _runs(report: ValidationReport) -> list[RowResult]:
    return [*report.rows, *report.external_rows]


def runs_named(report: ValidationReport, name: str) -> CardRuns:
    """The runs of ``report`` whose systems name card ``name`` (a name of :data:`CARD_NAMES`)."""
    on = [r for r in _runs(report) if names_card(r.system_name or report.system_name, name)]
    return CardRuns(name=name, held_out_errors_pct=[r.error_pct for r in on if r.role == "held_out"],
                    calibration=sum(r.role == "calibration" for r in on),
                    calibration_errors_pct=[r.error_pct for r in on if r.role == "calibration"])


def card_name(card: str) -> str | None:
    """The name runs' systems give catalog card ``card``, typed as its key or one of its aliases ("H100" is the
    H100-SXM); None for a card no run can name or no catalog card."""
    from xlcompute import catalog  # here: the validation tables load without the catalog

    try:
        key = catalog.get_gpu(card).key
    except ValueError:  # not a catalog card (UnknownPresetError)
        return None
    return CARD_OF_KEY.get(key)


def card_runs(report: ValidationReport, card: str) -> CardRuns | None:
    """The runs of ``report`` measured on catalog card ``card`` (its key or an alias); None for a card no run's
    system can name (a card without an entry in :data:`CARD_OF_KEY`)."""
    name = card_name(card)
    return None if name is None else runs_named(report, name)


def cards_named(rows: Sequence[RowResult], default_system: str, lang: str) -> str:
    """The cards the runs ran on, in words ("A100, A800, … and Ascend 910B"); a generation none of whose runs names
    a known card is named by its generation."""
    found: set[str] = set()
    named: set[str] = set()  # generations at least one run names a card of
    for r in rows:
        hits = {n for n, _, _ in CARD_NAMES if names_card(r.system_name or default_system, n)}
        found |= hits
        named |= {r.architecture} if hits else set()
    words = [zh if lang == "zh" else en for n, en, zh in CARD_NAMES if n in found]
    words += sorted({r.architecture for r in rows if r.architecture} - named)
    if len(words) < 2:
        return "".join(words)
    if lang == "zh":  # a space between Latin and Chinese text, none between two Chinese words
        return "、".join(words[:-1]) + (" 与 " if words[-1][0].isascii() else " 与") + words[-1]
    return ", ".join(words[:-1]) + " and " + words[-1]
