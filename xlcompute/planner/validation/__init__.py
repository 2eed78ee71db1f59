"""Validation of the step-time model: the published runs (``data``), predicting them and the
statistics (``run``), and fitting the constants on calibration rows only (``calibrate``).
The revision history of the validation is in ``docs/validation.md``."""

from xlcompute.planner.validation.calibrate import (
    CALIBRATION_GRID,
    CalibrationResult,
    SoftwareCalibration,
    calibrate,
    calibrate_software,
)
from xlcompute.planner.validation.data import (
    DEFAULT_VALIDATION_FILE,
    EXTERNAL_VALIDATION_FILE,
    PREREGISTERED_FILES,
    REFERENCE_STACK,
    SOFTWARE_CALIBRATION_FILE,
    TABLE2_VALIDATION_FILE,
    ExcludedRow,
    ExternalData,
    ValidationData,
    ValidationRow,
    build_case,
    load_external,
    load_validation,
    measured_step_seconds,
    megatron_hardware_flops,
)
from xlcompute.planner.validation.run import (
    PreregisteredSet,
    RowResult,
    ValidationReport,
    layout_text,
    validate,
    report_csv,
    write_report_csv,
)

__all__ = [
    "CALIBRATION_GRID",
    "DEFAULT_VALIDATION_FILE",
    "EXTERNAL_VALIDATION_FILE",
    "PREREGISTERED_FILES",
    "REFERENCE_STACK",
    "SOFTWARE_CALIBRATION_FILE",
    "TABLE2_VALIDATION_FILE",
    "CalibrationResult",
    "ExcludedRow",
    "ExternalData",
    "PreregisteredSet",
    "RowResult",
    "SoftwareCalibration",
    "ValidationData",
    "ValidationReport",
    "ValidationRow",
    "build_case",
    "calibrate",
    "calibrate_software",
    "layout_text",
    "load_external",
    "load_validation",
    "measured_step_seconds",
    "megatron_hardware_flops",
    "validate",
    "report_csv",
    "write_report_csv",
]
