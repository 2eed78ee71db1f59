"""The GEMM constant carried to an AMD or Intel card by its measured matmul ceiling
(core.kernels.transferred_gemm_efficiency, planner.inputs.transferred_profile), and the estimate taking it."""

from __future__ import annotations

import pytest

from xlcompute import catalog
from xlcompute.catalog._loader import Accelerator
from xlcompute.core.kernels import transferred_gemm_efficiency
from xlcompute.planner import inputs
from xlcompute.planner.inputs import KERNEL_PROFILES, kernel_profile, transferred_profile


def test_formula_scales_by_the_ratio_of_ceilings() -> None:
    # A card whose matmul ceiling is half its peak, against a reference at 80 %: 0.76 x 0.5 / 0.8.
    assert transferred_gemm_efficiency(0.76, 650.0, 1300.0, 800.0, 1000.0) == pytest.approx(0.475)
    # The reference card itself keeps its constant.
    assert transferred_gemm_efficiency(0.76, 794.5, 989.4, 794.5, 989.4) == pytest.approx(0.76)


@pytest.mark.parametrize(("card", "profile", "expected"), [
    # Bekman's MAMF table @ 744d01e: MI300X 668.4, MI325X 784.9 of 1307.4 (catalog peak) vs H100 794.5 of 989.4;
    # Gaudi 2 418.7 of 432, Gaudi 3 1243.0 of 1835 vs A100 271.2 of 312.
    # (the H100 GEMM constant 0.68 since the interleaved schedule's data-parallel windows and the refit; 0.76 before)
    ("MI300X", "hopper", 0.68 * (668.4 / 1307.4) / (794.5 / 989.4)),
    ("MI325X", "hopper", 0.68 * (784.9 / 1307.4) / (794.5 / 989.4)),
    ("Gaudi2", "ampere", 0.77 * (418.7 / 432) / (271.2 / 312)),
    ("Gaudi3", "ampere", 0.77 * (1243.0 / 1835) / (271.2 / 312)),
])
def test_candidate_constants(card: str, profile: str, expected: float) -> None:
    p = transferred_profile(card, profile)
    assert p is not None
    assert p.matmul_eff_max == pytest.approx(expected, abs=5e-4)
    # Only the GEMM constant moves: the element-wise and attention constants stay the borrowed profile's.
    assert (p.elementwise_traffic_factor, p.flash_attention_efficiency) == (
        KERNEL_PROFILES[profile].elementwise_traffic_factor, KERNEL_PROFILES[profile].flash_attention_efficiency)
    assert "MAMF" in p.source and catalog.get_gpu(card).name in p.source


def test_no_measurement_no_transfer() -> None:
    assert transferred_profile("B200", "hopper") is None  # no MAMF figure in the catalog
    assert transferred_profile("MI300X", "ascend") is None  # no reference card for the profile
    assert transferred_profile(None, "hopper") is None


def test_estimate_takes_the_carried_constant_for_amd_and_intel() -> None:
    for card, arch, profile in (("MI300X", "cdna3", "hopper"), ("MI325X", "cdna3", "hopper"),
                                ("Gaudi2", "gaudi", "ampere"), ("Gaudi3", "gaudi", "ampere")):
        carried, status = kernel_profile(card, arch)
        assert carried == transferred_profile(card, profile) and status.startswith("extrapolated"), card
        assert "no public training measurement" in status
    # The borrowed constant would run a GEMM above the card's measured ceiling; the carried one stays below it.
    mi = catalog.get_gpu("MI300X")
    assert KERNEL_PROFILES["hopper"].matmul_eff_max * mi.bf16_tflops > mi.bf16_mamf_tflops  # type: ignore[operator]
    assert kernel_profile("MI300X", "cdna3")[0].matmul_eff_max * mi.bf16_tflops < mi.bf16_mamf_tflops  # type: ignore[operator]
    # A card without a measurement keeps the borrowed profile; calibrated and NVIDIA cards are never carried.
    assert kernel_profile("MI250X", "cdna2")[0] == KERNEL_PROFILES["ampere"]
    assert kernel_profile("H100-SXM", "hopper")[0] == KERNEL_PROFILES["hopper"]
    assert kernel_profile("B200", "blackwell")[0] == KERNEL_PROFILES["hopper"]
    assert "blackwell" not in inputs.MAMF_TRANSFER_ARCHITECTURES


def test_an_estimate_on_mi300x_uses_it() -> None:
    from xlcompute.estimate import estimate
    from xlcompute.scenario import Scenario

    sc = Scenario.model_validate({"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"},
                                  "cluster": {"accelerator": "MI300X", "cards": 64}})
    r = estimate(sc)
    assert r.inputs["matmul_eff_max"].value == transferred_profile("MI300X", "hopper").matmul_eff_max  # type: ignore[union-attr]


def test_catalog_measurement_needs_its_source() -> None:
    raw = catalog.get_gpu("MI300X").model_dump()
    raw["mamf_source"] = None
    with pytest.raises(ValueError, match="bf16_mamf_tflops and mamf_source go together"):
        Accelerator.model_validate(raw)
