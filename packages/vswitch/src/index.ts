/**
 * @vnet/vswitch — vnet's virtual switch. Today: a learning switch (MAC learning per VLAN with
 * aging and a bounded table, flooding, per-port counters) usable alone with any `Port`s and as
 * the switch node of @vnet/topology.
 */
export * from './learning-switch.js';
