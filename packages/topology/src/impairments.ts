/** From the DSL's Mininet-style link options to @vnet/link's impairments (bit/s, ms, %). */
import type { Impairments, LinkOptions as LinkImpairments } from '@vnet/link';
import type { DirectionOptions, LinkOptions } from './spec.js';
import { parsePercent, parseRate, parseTime } from './units.js';

function directionOf(o: DirectionOptions, seed?: number): Impairments {
  const imp: Impairments = seed === undefined ? {} : { seed };
  if (o.bw !== undefined) imp.bw = parseRate(o.bw);
  if (o.burst !== undefined) imp.burst = o.burst * 1024;
  if (o.peak !== undefined) imp.peak = parseRate(o.peak);
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

/** Both directions: the common options, and what `ab`/`ba` add for one direction each. */
export function impairmentsOf(o: LinkOptions, seed: number): Pick<LinkImpairments, 'ab' | 'ba'> & Impairments {
  const { ab, ba, ...common } = o;
  return { ...directionOf(common, seed), ...(ab ? { ab: directionOf(ab) } : {}), ...(ba ? { ba: directionOf(ba) } : {}) };
}
