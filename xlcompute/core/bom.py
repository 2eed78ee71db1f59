"""Bill of materials: racks, the scale-out fabric, storage and facility power, counted from the cluster.

Sources:

- Fat-tree arithmetic: Al-Fares, Loukissas & Vahdat, "A scalable, commodity data center network
  architecture", SIGCOMM 2008, §3: with k-port switches a two-level non-blocking tree (every edge
  switch wired to every core switch, half its ports down) reaches k²/2 hosts, the three-level
  k-ary fat tree k³/4 hosts, with k pods of k/2 edge and k/2 aggregation switches and (k/2)² core
  switches.
- Rail-optimised two-tier fabric: NVIDIA DGX SuperPOD reference architecture (B200, 2024, table of
  switch and cable counts per scalable unit; the H100 edition RA-11333-001 has the same layout):
  one 400G NIC per GPU, a leaf per rail and scalable unit of 32 nodes, 64-port switches. 4 SU =
  1,024 GPUs: 32 leaf and 16 spine switches, 1,024 node–leaf and 1,024 leaf–spine cables; 16 SU =
  4,096 GPUs: three tiers, 128 leaf, 128 spine and 64 core switches, 4,096 cables per tier.
- Storage: Dubey et al. 2024 (Llama 3) §3.3.1: 240 PB of storage (Tectonic) for 16,384 H100.
- Facility power: The Green Grid 2012, PUE = facility power / IT power.

Every count is a whole number of parts: a server is not split across racks, a switch not across
tiers. All functions take numbers, NumPy arrays or cell references (core.expr).
"""

from __future__ import annotations

from xlcompute.core.expr import Value, ceil, floor, if_, max_, min_
from xlcompute.core.units import TB, WATTS_PER_KW

__all__ = [
    "server_power_watts",
    "servers_per_rack",
    "racks_for_servers",
    "switch_radix",
    "leaf_down_ports",
    "scale_out_nics",
    "rail_leaves",
    "fabric_tiers",
    "leaf_switches",
    "leaf_spine_links",
    "spine_switches",
    "spine_core_links",
    "core_switches",
    "transceivers",
    "checkpoint_storage_bytes",
    "dataset_bytes",
    "storage_tb",
    "quote_or_bill",
    "unit_quote_or_bill",
    "facility_power_kw",
    "TRANSCEIVERS_PER_LINK",
]

TRANSCEIVERS_PER_LINK = 2
"""An optical link has a transceiver at each end."""


# -- racks -----------------------------------------------------------------------------------------


def server_power_watts(cards_per_server: Value, tdp_w: Value, host_factor: Value) -> Value:
    """Power of one server: cards · TDP · host factor, W (NVIDIA DGX H100 datasheet: 10.2 kW for
    8 × 700 W GPUs, a factor of about 1.8)."""
    return cards_per_server * tdp_w * host_factor


def servers_per_rack(kw_per_rack: Value, server_w: Value) -> Value:
    """Whole servers a rack's power limit holds, ⌊kW per rack / server kW⌋, at least one (a server
    is not split across racks; one above the limit still takes a rack of its own)."""
    return max_(floor(kw_per_rack * WATTS_PER_KW / server_w), 1)


def racks_for_servers(servers: Value, per_rack: Value) -> Value:
    """Racks for the servers, ⌈servers / servers per rack⌉ (compute racks; the DGX SuperPOD RA puts
    switches and storage in racks of their own, which this count leaves out)."""
    return ceil(servers / per_rack)


# -- the scale-out fabric: a rail-optimised fat tree ---------------------------------------------


def switch_radix(switch_gbps: Value, nic_gbps: Value) -> Value:
    """Ports per switch at the NIC's speed, ⌊switch capacity / NIC speed⌋ (NVIDIA Quantum-2
    QM9700: 64 ports of 400 Gb/s, 25.6 Tb/s one way)."""
    return floor(switch_gbps / nic_gbps)


def leaf_down_ports(radix: Value, oversubscription: Value) -> Value:
    """Ports of a leaf facing the NICs: k·r/(r+1) for a down:up ratio r (r = 1, non-blocking: k/2,
    Al-Fares et al. 2008 §3), at least one."""
    return max_(floor(radix * oversubscription / (oversubscription + 1)), 1)


def scale_out_nics(cards: Value, servers: Value) -> Value:
    """Scale-out NICs: one per card (DGX SuperPOD RA: one 400G NIC per GPU), none for a single
    server, which needs no scale-out network."""
    return if_(servers > 1, cards, 0)


def rail_leaves(servers: Value, rails: Value, down_ports: Value) -> Value:
    """Leaves of a rail-optimised fabric: each rail (the n-th NIC of every server) has its own
    leaves, ⌈servers / leaf down ports⌉ of them (DGX SuperPOD RA: 8 leaves per scalable unit of
    32 eight-GPU nodes)."""
    return rails * ceil(servers / down_ports)


def fabric_tiers(nics: Value, radix: Value, leaves: Value) -> Value:
    """Tiers of switches: 0 without NICs; 1 when every NIC fits one switch (n ≤ k); 2 while every
    leaf can reach every spine (leaves ≤ k: k²/2 NICs non-blocking, Al-Fares et al. 2008 §3);
    3 beyond (the k-ary fat tree, up to k³/4 NICs; larger clusters need a fourth tier or larger
    switches, which this count does not cover). The counts below test the same two limits."""
    return if_(nics <= 0, 0, if_(nics <= radix, 1, if_(leaves <= radix, 2, 3)))


def leaf_switches(nics: Value, radix: Value, leaves: Value) -> Value:
    """Leaf switches: one switch when every NIC fits it (none without NICs), else the rail leaves."""
    return if_(nics <= radix, min_(nics, 1), leaves)


def leaf_spine_links(nics: Value, radix: Value, oversubscription: Value) -> Value:
    """Leaf-to-spine links: one per NIC over the oversubscription ratio, ⌈n / r⌉ (DGX SuperPOD RA:
    1,024 leaf–spine cables for 1,024 GPUs); none when one switch holds every NIC."""
    return if_(nics <= radix, 0, ceil(nics / oversubscription))


def spine_switches(uplinks: Value, leaves: Value, radix: Value) -> Value:
    """Spine switches: in two tiers all k ports face the leaves, ⌈links / k⌉; in three tiers
    (more leaves than k) half face up to the core, ⌈links / (k/2)⌉ (the aggregation layer of
    Al-Fares et al. 2008)."""
    return ceil(uplinks / if_(leaves > radix, radix / 2, radix))


def spine_core_links(uplinks: Value, leaves: Value, radix: Value) -> Value:
    """Spine-to-core links in three tiers (more leaves than k): as many as reach the spines
    (non-blocking above the leaves; DGX SuperPOD RA: 4,096 spine–core cables for 4,096 GPUs)."""
    return if_(leaves > radix, uplinks, 0)


def core_switches(core_links: Value, radix: Value) -> Value:
    """Core switches, all ports facing down: ⌈links / k⌉ ((k/2)² for a full k-ary fat tree)."""
    return ceil(core_links / radix)


def transceivers(links: Value) -> Value:
    """Optical transceivers: two per link, one at each end (every link counted as optical: the
    rail-optimised leaves sit in network racks, beyond copper reach)."""
    return TRANSCEIVERS_PER_LINK * links


# -- storage --------------------------------------------------------------------------------------


def checkpoint_storage_bytes(checkpoints_kept: Value, checkpoint_bytes: Value) -> Value:
    """Bytes of the checkpoints kept: kept × bytes per checkpoint."""
    return checkpoints_kept * checkpoint_bytes


def dataset_bytes(tokens: Value, bytes_per_token: Value) -> Value:
    """Bytes of the training data: tokens × stored bytes per token."""
    return tokens * bytes_per_token


def storage_tb(checkpoint_bytes_kept: Value, data_bytes: Value, cards: Value, tb_per_card: Value) -> Value:
    """Storage capacity, TB: the larger of what the run stores (checkpoints kept and training data)
    and an allowance per card (Llama 3: 240 PB for 16,384 H100, about 14.6 TB per card, Dubey et
    al. 2024 §3.3.1)."""
    return max_((checkpoint_bytes_kept + data_bytes) / TB, cards * tb_per_card)


# -- quotes and facility power --------------------------------------------------------------------


def quote_or_bill(quote: Value, bill: Value) -> Value:
    """The quote when one is given (> 0), else the bill of materials' figure."""
    return if_(quote > 0, quote, bill)


def unit_quote_or_bill(quote_per_unit: Value, units: Value, bill: Value) -> Value:
    """A quote per unit × the units (a network price per server × servers) when one is given
    (> 0), else the bill of materials' figure."""
    return if_(quote_per_unit > 0, quote_per_unit * units, bill)


def facility_power_kw(it_kw: Value, pue: Value) -> Value:
    """Facility power, IT power × PUE, kW (The Green Grid 2012: PUE = facility / IT power)."""
    return it_kw * pue

