"""System phase: catalog units (TFLOPS, GB, TB/s, GB/s, Gbit/s, µs) to SI, once.

The step-time model reads only the SI keys; a validation file gives them directly.
"""

from xlcompute.core import arith, moe, units
from xlcompute.graph import step

__all__ = ["STEPS"]

T, M, N, ST = "training", "memory", "network", "step"

STEPS = (
    step("peak_flops", T, units.tera, "gpu_peak_tflops"),
    step("hbm_bytes", M, units.giga, "gpu_hbm_gb"),
    step("hbm_bytes_per_s", ST, units.tera, "gpu_hbm_tbps"),
    step("intra_node_bytes_per_s", N, units.giga, "intra_node_gbs"),
    step("inter_node_bytes_per_s", N, units.gbit_to_bytes_per_s, "inter_node_gbps"),
    step("offload_bytes", M, units.giga, "offload_gb"),
    step("offload_bytes_per_s", N, units.giga, "offload_gbs"),
    step("framework_reserve_bytes", M, units.giga, "framework_reserve_gb"),
    step("collective_latency_s", N, units.micro, "collective_latency_us"),
    step("ring_step_latency_s", N, units.micro, "ring_step_latency_us"),
    step("gemm_eff_max", ST, arith.product, "matmul_eff_max", "software_efficiency"),
    # FP8 training: peak_flops is the training precision's peak (the MFU's); kernels outside the
    # linear layers run at the BF16 peak, the linear GEMMs at the share of the FP8 gain realised.
    step("bf16_peak_flops", ST, arith.ratio, "peak_flops", "precision_peak_ratio"),
    step("linear_peak_flops", ST, moe.fp8_linear_peak, "bf16_peak_flops", "precision_peak_ratio",
         "fp8_gemm_efficiency"),
)
