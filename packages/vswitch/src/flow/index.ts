/**
 * The programmable pipeline of @vnet/vswitch: OpenFlow-style flow tables with ovs-ofctl's
 * syntax, an Open vSwitch-style tuple-space classifier, and OVS's microflow and megaflow caches
 * in front of it.
 */
export { type FlowAction, type FlowActionType, formatActions, parseActions } from './actions.js';
export { BURST_SIZE, FrameBurst } from './burst.js';
export { type ClassifiedRule, Classifier } from './classifier.js';
export type { ControllerFn, OutputFn } from './execute.js';
export { type FlowFilter, type FlowMatchFields, type FlowSpec, type ParsedFlow, parseFlow, parseFlowFilter } from './flow-text.js';
export {
  type FlowGroup,
  formatGroup,
  type GroupBucket,
  type GroupBucketSpec,
  type GroupSpec,
  type GroupType,
  parseGroup,
} from './groups.js';
export { FlowMatch } from './match.js';
export { DEFAULT_PRIORITY, formatMatch } from './match-format.js';
export { type FlowEntry, type FlowMirrorSpec, FlowPipeline, type FlowPipelineOptions, type FlowPipelineStats } from './pipeline.js';
export { FlowDrop, NORMAL_PORT, OutputKind, type PacketIn } from './program.js';
export { FlowRule } from './rule.js';
export { NORMAL_FLOOD, NORMAL_PER_FRAME, type NormalFn } from './translate.js';
