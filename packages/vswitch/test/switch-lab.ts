import { build, dissect, fieldMap, type LayerSpec } from '@vnet/frame';
import { createLocalLink, type LinkEnd } from '@vnet/link';
import { LearningSwitch, type PortOptions } from '../src/index.js';

/** A switch with hosts on local links: what each host receives is recorded, decoded. */
export function lab(ports: PortOptions[], options: { maxMacs?: number } = {}) {
  const sw = new LearningSwitch({ name: 's1', ...options });
  const hosts: LinkEnd[] = [];
  const got: Array<Array<Record<string, unknown>>> = [];
  ports.forEach((portOptions, i) => {
    const l = createLocalLink({ a: `h${i + 1}-eth0`, b: `s1-eth${i + 1}` });
    sw.addPort(l.b, i + 1, portOptions);
    const inbox: Array<Record<string, unknown>> = [];
    l.a.onFrame = (bytes, offset, length) => inbox.push(fieldMap(dissect(bytes.slice(offset, offset + length))));
    hosts.push(l.a, l.b);
    got.push(inbox);
  });
  const send = (host: number, ...layers: LayerSpec[]) => hosts[2 * (host - 1)].send(build(...layers));
  const close = () => {
    for (const h of hosts) h.close();
  };
  return { sw, got, send, close };
}

/** Lets frames on local links arrive. */
export const settle = () => new Promise((r) => setTimeout(r, 10));

/** The lab, with `send` waiting until the frame was switched and `counts()` of each host's inbox. */
export function waitingLab(ports: PortOptions[]) {
  const l = lab(ports);
  const send = async (host: number, ...layers: LayerSpec[]) => {
    l.send(host, ...layers);
    await settle();
  };
  return { ...l, send, counts: () => l.got.map((g) => g.length) };
}
