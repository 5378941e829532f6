/**
 * @vnet/vswitch — vnet's virtual switch: a learning switch with 802.1Q VLANs (access and trunk
 * ports, vSphere port-group VLAN IDs), MAC learning per VLAN with aging and a bounded table,
 * flooding within the VLAN, and per-port counters. Usable alone with any `Port`s and as the
 * switch node of @vnet/topology.
 */
export {
  type Appliance,
  type ApplianceAgent,
  type ApplianceAttachment,
  type ApplianceDirection,
  type ApplianceStats,
  ApplianceVerdict,
} from './appliance.js';
export * from './errors.js';
export * from './flow/index.js';
export * from './learning-switch.js';
export { type MacEntry, MacTable } from './mac-table.js';
export type { MirrorSpec, MirrorStats } from './mirror.js';
export * from './security.js';
export * from './stp/index.js';
export type { TeamingPolicy, TeamSpec, TeamStats } from './team.js';
export * from './vlan.js';
