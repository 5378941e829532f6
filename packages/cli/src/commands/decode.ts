import { createReadStream } from 'node:fs';
import { CaptureReader, type CaptureRecord, dissect, FrameError, fieldMap, LINKTYPE_ETHERNET } from '@vnet/frame';
import { CliError } from '../errors.js';
import type { CliIo } from '../main.js';

export interface DecodeOptions {
  json: boolean;
}

const NS = 1_000_000_000n;

/** `12.000123456` from nanoseconds: exact, as tshark prints frame.time_epoch. */
function seconds(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  return `${sign}${abs / NS}.${(abs % NS).toString().padStart(9, '0')}`;
}

/**
 * Prints each frame of a pcap/pcapng file as it streams in: `number time summary`, or one JSON
 * object of Wireshark-named fields per line. A damaged file prints every frame before the
 * damage, then names the frame and byte offset and fails with exit code 1.
 */
export async function decodeCommand(file: string, options: DecodeOptions, io: CliIo): Promise<number> {
  const reader = new CaptureReader();
  let start: bigint | undefined;
  let batch = '';
  const line = (record: CaptureRecord, n: number): string => {
    start ??= record.timestampNs;
    const linkType = reader.interfaces[record.interfaceId]?.linkType;
    const d = linkType === LINKTYPE_ETHERNET ? dissect(record.data) : undefined;
    if (options.json) {
      const fields = {
        'frame.number': n,
        'frame.time_epoch': seconds(record.timestampNs),
        'frame.time_relative': seconds(record.timestampNs - start),
        'frame.interface_id': record.interfaceId,
        'frame.len': record.originalLength,
        'frame.cap_len': record.data.length,
        ...(record.comment === undefined ? {} : { 'frame.comment': record.comment }),
        ...(d ? fieldMap(d) : {}),
        ...(d?.error ? { '_ws.malformed': d.error.message } : {}),
      };
      return `${JSON.stringify(fields)}\n`;
    }
    const time = Number(record.timestampNs - start) / 1e9;
    const summary = d ? d.summary : `link type ${linkType} is not decoded, length ${record.originalLength}`;
    return `${String(n).padStart(5)} ${time.toFixed(6).padStart(11)} ${summary}\n`;
  };
  let n = 0;
  try {
    for await (const record of reader.readFrom(createReadStream(file))) {
      batch += line(record, ++n);
      if (batch.length > 64 * 1024) {
        io.out(batch);
        batch = '';
      }
    }
    io.out(batch);
    return 0;
  } catch (e) {
    io.out(batch);
    if (e instanceof FrameError) {
      io.err(`vnet decode: ${file}: frame ${n + 1} at byte offset ${e.offset} is damaged: ${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new CliError(`decode: cannot read ${file} (${code}); give the path of a .pcap or .pcapng file`);
    }
    throw e;
  }
}
