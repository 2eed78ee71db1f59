"""Bill of materials (issue 13 part 3): core.bom against hand-worked counts and the published
DGX SuperPOD switch and cable table, on numbers, NumPy arrays and Excel formulas."""

from __future__ import annotations

import numpy as np
import pytest

from xlcompute.core import bom, cost
from xlcompute.core.expr import Ref, evaluate, excel_formula


def fabric(cards: float, per_server: float = 8, switch_gbps: float = 25_600, nic_gbps: float = 400,
           oversubscription: float = 1) -> dict[str, float]:
    """Every count of the fabric, chained as the graph chains them (xlcompute._graph._BOM)."""
    servers = cost.servers_needed(cards, per_server)
    k = bom.switch_radix(switch_gbps, nic_gbps)
    down = bom.leaf_down_ports(k, oversubscription)
    nics = bom.scale_out_nics(cards, servers)
    rail = bom.rail_leaves(servers, per_server, down)
    up = bom.leaf_spine_links(nics, k, oversubscription)
    core_links = bom.spine_core_links(up, rail, k)
    out = {
        "servers": servers, "radix": k, "down": down, "nics": nics, "tiers": bom.fabric_tiers(nics, k, rail),
        "leaves": bom.leaf_switches(nics, k, rail), "uplinks": up, "spines": bom.spine_switches(up, rail, k),
        "core_links": core_links, "cores": bom.core_switches(core_links, k),
    }
    out["links"] = nics + up + core_links
    out["transceivers"] = bom.transceivers(out["links"])
    return out


def test_1000_cards_two_tiers_by_hand() -> None:
    # 1,000 cards, 8 per server: ⌈1000/8⌉ = 125 servers, one 400G NIC per card = 1,000 NICs.
    # A 25.6 Tb/s switch has 25,600/400 = 64 ports at 400G; non-blocking leaves use 64/2 = 32 down.
    # Rail-optimised: 8 rails × ⌈125/32⌉ = 8 × 4 = 32 leaves ≤ 64, so two tiers.
    # Leaf–spine links: one per NIC = 1,000; spines ⌈1000/64⌉ = 16 (15.6 → 16); no core.
    # Links 1,000 (NIC–leaf) + 1,000 (leaf–spine) = 2,000 cables; optics 2 × 2,000 = 4,000.
    f = fabric(1000)
    assert (f["servers"], f["radix"], f["down"], f["nics"]) == (125, 64, 32, 1000)
    assert (f["tiers"], f["leaves"], f["uplinks"], f["spines"], f["cores"]) == (2, 32, 1000, 16, 0)
    assert (f["links"], f["transceivers"]) == (2000, 4000)


@pytest.mark.parametrize(("gpus", "leaves", "spines", "cores", "tier_links"), [
    # DGX SuperPOD reference architecture (docs.nvidia.com, B200 edition; same layout as H100):
    # SU = 32 eight-GPU nodes; Leaf / Spine / Core switches; cables per tier.
    (512, 16, 8, 0, 512),        # 2 SU
    (1024, 32, 16, 0, 1024),     # 4 SU
    (2048, 64, 32, 0, 2048),     # 8 SU: the largest two-tier fabric, 64 leaves = k
    (4096, 128, 128, 64, 4096),  # 16 SU: three tiers
    (16384, 512, 512, 256, 16384),  # 64 SU
])
def test_dgx_superpod_switch_and_cable_table(gpus: int, leaves: int, spines: int, cores: int,
                                             tier_links: int) -> None:
    f = fabric(gpus)
    assert (f["leaves"], f["spines"], f["cores"]) == (leaves, spines, cores)
    assert f["nics"] == f["uplinks"] == tier_links
    assert f["core_links"] == (tier_links if cores else 0)


def test_two_to_three_tier_boundary() -> None:
    # 256 servers × 8: 8 rails × ⌈256/32⌉ = 64 leaves = k, every leaf still reaches every spine
    # (k²/2 = 2,048 NICs non-blocking, Al-Fares et al. 2008).
    assert fabric(2048)["tiers"] == 2
    # One more server: 8 × ⌈257/32⌉ = 8 × 9 = 72 leaves > 64, so a third tier: spines take
    # ⌈2056/32⌉ = 65 (half their ports face up), core ⌈2056/64⌉ = 33 (32.1 → 33).
    f = fabric(2056)
    assert (f["tiers"], f["leaves"], f["spines"], f["cores"]) == (3, 72, 65, 33)
    assert (f["links"], f["transceivers"]) == (3 * 2056, 6 * 2056)


def test_full_k_ary_fat_tree() -> None:
    # k = 64: k³/4 = 65,536 hosts; (k/2)² = 1,024 core switches; 5k²/4 = 5,120 switches in all
    # (Al-Fares et al. 2008 §3).
    f = fabric(65_536)
    assert (f["leaves"], f["spines"], f["cores"]) == (2048, 2048, 1024)
    assert f["leaves"] + f["spines"] + f["cores"] == 5 * 64**2 / 4


def test_small_clusters_one_switch_or_none() -> None:
    two = fabric(16)  # 2 servers, 16 NICs ≤ 64 ports: one switch, no spines
    assert (two["tiers"], two["leaves"], two["spines"], two["links"], two["transceivers"]) == (1, 1, 0, 16, 32)
    one = fabric(8)  # a single server needs no scale-out network
    assert (one["tiers"], one["nics"], one["leaves"], one["spines"], one["links"]) == (0, 0, 0, 0, 0)


def test_oversubscription_and_other_speeds() -> None:
    # 3:1 leaves: ⌊64·3/4⌋ = 48 down, 16 up; 8 × ⌈125/48⌉ = 24 leaves; ⌈1000/3⌉ = 334 uplinks;
    # ⌈334/64⌉ = 6 spines.
    f = fabric(1000, oversubscription=3)
    assert (f["down"], f["leaves"], f["uplinks"], f["spines"]) == (48, 24, 334, 6)
    # 200G cards on the same switch: 128 ports; 8 × ⌈125/64⌉ = 16 leaves; ⌈1000/128⌉ = 8 spines.
    f = fabric(1000, nic_gbps=200)
    assert (f["radix"], f["leaves"], f["spines"]) == (128, 16, 8)


def test_racks_hold_whole_servers() -> None:
    # 8 × 700 W × 1.8 = 10,080 W per server; a 40 kW rack holds ⌊40/10.08⌋ = 3 (3.97), a 41 kW
    # rack 4; 125 servers take ⌈125/3⌉ = 42 or ⌈125/4⌉ = 32 racks.
    w = bom.server_power_watts(8, 700, 1.8)
    assert w == pytest.approx(10_080)
    assert bom.servers_per_rack(40, w) == 3 and bom.servers_per_rack(41, w) == 4
    assert bom.racks_for_servers(125, 3) == 42 and bom.racks_for_servers(125, 4) == 32
    assert bom.servers_per_rack(8, w) == 1  # above the limit: a rack of its own


def test_storage_facility_and_quotes() -> None:
    # 10 checkpoints of 1 TB and 2T tokens × 4 B = 8 TB: 18 TB; 1,000 cards × 14.6 TB = 14,600 TB.
    ckpt = bom.checkpoint_storage_bytes(10, 1e12)
    data = bom.dataset_bytes(2e12, 4)
    assert bom.storage_tb(ckpt, data, 1000, 14.6) == pytest.approx(14_600)
    assert bom.storage_tb(ckpt, data, 1000, 0) == pytest.approx(18)
    assert bom.facility_power_kw(1260, 1.3) == pytest.approx(1638)
    assert bom.unit_quote_or_bill(300_000, 125, 46e6) == 37.5e6
    assert bom.unit_quote_or_bill(0, 125, 46e6) == 46e6
    assert bom.quote_or_bill(5e6, 15.8e6) == 5e6 and bom.quote_or_bill(0, 15.8e6) == 15.8e6


def test_one_definition_on_arrays_and_in_excel() -> None:
    cards = np.array([8.0, 16, 1000, 2048, 2056, 4096])
    f = fabric(cards)
    for i, n in enumerate(cards):
        one = fabric(float(n))
        assert all(float(np.broadcast_to(f[k], cards.shape)[i]) == one[k] for k in one), n
    env = {"nics": 2056.0, "radix": 64.0, "leaves": 72.0}
    refs = {k: Ref(k) for k in env}
    tiers = bom.fabric_tiers(refs["nics"], refs["radix"], refs["leaves"])
    assert excel_formula(tiers) == "=IF(nics<=0,0,IF(nics<=radix,1,IF(leaves<=radix,2,3)))"
    assert evaluate(tiers, env) == 3
    spines = bom.spine_switches(refs["nics"], refs["leaves"], refs["radix"])
    assert evaluate(spines, env) == 65
    assert excel_formula(bom.servers_per_rack(Ref("kw"), Ref("w"))) == "=MAX(INT(kw*1000/w),1)"
