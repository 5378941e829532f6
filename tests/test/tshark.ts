import { execFileSync } from 'node:child_process';
import type { FieldValue } from '@vnet/frame';
import { TSHARK } from './tools.js';

/** Every `name → values` pair of one packet in tshark's JSON, however deeply tshark nested it. */
export type TsharkFields = Map<string, string[]>;

function flatten(node: unknown, out: TsharkFields): void {
  if (Array.isArray(node)) {
    for (const item of node) flatten(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      const list = out.get(key) ?? [];
      list.push(...(Array.isArray(value) ? value : [value]));
      out.set(key, list);
    } else {
      flatten(value, out);
    }
  }
}

/**
 * Runs tshark over a capture with the settings that make it comparable with @vnet/frame:
 * absolute TCP sequence numbers, no reassembly, and checksum validation on.
 */
export function tsharkPackets(file: string): TsharkFields[] {
  const json = execFileSync(
    TSHARK,
    [
      '-r',
      file,
      '-T',
      'json',
      '--no-duplicate-keys',
      '-o',
      'tcp.relative_sequence_numbers:FALSE',
      '-o',
      'tcp.analyze_sequence_numbers:FALSE',
      '-o',
      'ip.defragment:FALSE',
      '-o',
      'ipv6.defragment:FALSE',
      '-o',
      'ip.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'udp.check_checksum:TRUE',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  return (JSON.parse(json) as Array<{ _source: { layers: unknown } }>).map((p) => {
    const fields: TsharkFields = new Map();
    flatten(p._source.layers, fields);
    return fields;
  });
}

/** Whether our value and tshark's text say the same thing. */
export function sameValue(ours: FieldValue, theirs: string): boolean {
  if (typeof ours === 'boolean') return theirs === (ours ? '1' : '0') || theirs === (ours ? 'True' : 'False');
  if (typeof ours === 'number') return theirs !== '' && Number(theirs) === ours;
  return ours === theirs || ours.toLowerCase() === theirs.toLowerCase();
}

/**
 * The fields of ours that tshark contradicts: missing there, or with other values. Repeated
 * fields are compared as multisets, since tshark's nesting may order them differently.
 */
export function disagreements(ours: Record<string, FieldValue | FieldValue[]>, theirs: TsharkFields): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(ours)) {
    if (name.startsWith('frame.')) continue;
    const mine = Array.isArray(value) ? value : [value];
    const pool = [...(theirs.get(name) ?? [])];
    if (pool.length === 0) {
      problems.push(`${name}: tshark has no such field (ours: ${JSON.stringify(value)})`);
      continue;
    }
    for (const v of mine) {
      const i = pool.findIndex((t) => sameValue(v, t));
      if (i < 0) {
        problems.push(`${name}: ours ${JSON.stringify(v)}, tshark ${JSON.stringify(theirs.get(name))}`);
        break;
      }
      pool.splice(i, 1);
    }
  }
  return problems;
}

/** What tshark itself found wrong with a packet: malformed layers and failed checksums. */
export function tsharkComplaints(theirs: TsharkFields): string[] {
  const complaints: string[] = [];
  if (theirs.has('_ws.malformed')) complaints.push('tshark: malformed packet');
  for (const [name, values] of theirs) {
    // checksum.status: 0 bad, 1 good, 2 unverified.
    if (name.endsWith('checksum.status') && values.includes('0')) complaints.push(`tshark: bad checksum (${name})`);
  }
  return complaints;
}
