"""Unit constants. The core works in SI base units; these convert at the edges only.

GB is 10^9 bytes and GiB is 2^30 bytes (IEC 80000-13); accelerator vendors quote HBM in GB
except Google, which quotes TPU v4 in GiB, so the catalog stores bytes.
"""

from xlcompute.core.expr import Value

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
HOURS_PER_DAY = 24
HOURS_PER_YEAR = 8760
GB = 10**9
GIB = 2**30
TB = 10**12
TERA = 10**12
PETA = 10**15
JOULES_PER_KWH = 3_600_000
JOULES_PER_MWH = 3_600_000_000
WATTS_PER_KW = 1000
BITS_PER_BYTE = 8


def tera(x: Value) -> Value:
    """x · 10^12 (TFLOPS → FLOP/s, TB → bytes)."""
    return x * TERA


def giga(x: Value) -> Value:
    """x · 10^9 (GB → bytes, GB/s → bytes/s)."""
    return x * GB


def milli(x: Value) -> Value:
    """x · 10^-3 (ms → s)."""
    return x / 1000


def micro(x: Value) -> Value:
    """x · 10^-6 (µs → s)."""
    return x / 1_000_000


def per_giga(x: Value) -> Value:
    """x / 10^9 (bytes → GB)."""
    return x / GB


def gbit_to_gbyte(x: Value) -> Value:
    """Gbit/s → GB/s: x / 8."""
    return x / BITS_PER_BYTE


def gbit_to_bytes_per_s(x: Value) -> Value:
    """Gbit/s → bytes/s: x · 10^9 / 8 (network links are quoted in bits)."""
    return x * GB / BITS_PER_BYTE
