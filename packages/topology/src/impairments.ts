/** From the DSL's Mininet-style link options to @vnet/link's impairments (bit/s, ms, %). */
import type { Impairments } from '@vnet/link';
import type { LinkOptions } from './spec.js';
import { parsePercent, parseRate, parseTime } from './units.js';

export function impairmentsOf(o: LinkOptions, seed: number): Impairments {
  const imp: Impairments = { seed };
  if (o.bw !== undefined) imp.bw = parseRate(o.bw);
  if (o.delay !== undefined) imp.delay = parseTime(o.delay, 'delay');
  if (o.jitter !== undefined) imp.jitter = parseTime(o.jitter, 'jitter');
  if (o.jitterDistribution !== undefined) imp.jitterDistribution = o.jitterDistribution;
  if (o.loss !== undefined) imp.loss = parsePercent(o.loss, 'loss');
  if (o.lossCorrelation !== undefined) imp.lossCorrelation = parsePercent(o.lossCorrelation, 'loss correlation');
  if (o.corrupt !== undefined) imp.corrupt = parsePercent(o.corrupt, 'corrupt');
  if (o.duplicate !== undefined) imp.duplicate = parsePercent(o.duplicate, 'duplicate');
  if (o.reorder !== undefined) imp.reorder = parsePercent(o.reorder, 'reorder');
  if (o.maxQueueSize !== undefined) imp.limitFrames = o.maxQueueSize;
  if (o.maxQueueBytes !== undefined) imp.limitBytes = o.maxQueueBytes;
  return imp;
}
