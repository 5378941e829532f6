/** `sysctl`: the kernel settings a vnet host has, as procps prints and sets them. */
import type { Stack } from '@vnet/netstack';
import { usage } from './args.js';

/** Each setting: how to read it and how to set it from its text. */
const SETTINGS: Record<string, { get(stack: Stack): string; set(stack: Stack, value: string): void }> = {
  'net.ipv4.ip_forward': {
    get: (stack) => (stack.forwarding ? '1' : '0'),
    set: (stack, value) => {
      if (value !== '0' && value !== '1')
        throw usage('sysctl', `setting key "net.ipv4.ip_forward": Invalid argument (0 or 1, not ${value})`);
      stack.forwarding = value === '1';
    },
  },
  'net.ipv4.conf.all.accept_redirects': {
    get: (stack) => (stack.acceptRedirects ? '1' : '0'),
    set: (stack, value) => {
      stack.acceptRedirects = boolSetting('net.ipv4.conf.all.accept_redirects', value);
    },
  },
  'net.ipv4.conf.all.send_redirects': {
    get: (stack) => (stack.sendRedirects ? '1' : '0'),
    set: (stack, value) => {
      stack.sendRedirects = boolSetting('net.ipv4.conf.all.send_redirects', value);
    },
  },
};

function boolSetting(key: string, value: string): boolean {
  if (value !== '0' && value !== '1') throw usage('sysctl', `setting key "${key}": Invalid argument (0 or 1, not ${value})`);
  return value === '1';
}

/** `sysctl [-w] KEY[=VALUE]…`, `sysctl -a`; `net/ipv4/ip_forward` is the same key. */
export function sysctl(stack: Stack, args: string[]): string {
  const words = args.filter((a) => a !== '-w' && a !== '-q');
  if (words.length === 0) throw usage('sysctl', 'usage: sysctl [-w] KEY[=VALUE] … | sysctl -a');
  if (words.includes('-a'))
    return Object.entries(SETTINGS)
      .map(([k, s]) => `${k} = ${s.get(stack)}\n`)
      .join('');
  let out = '';
  for (const word of words) {
    const [rawKey, value] = word.split('=', 2);
    const key = rawKey.replaceAll('/', '.');
    const setting = SETTINGS[key];
    if (!setting)
      throw usage(
        'sysctl',
        `cannot stat /proc/sys/${key.replaceAll('.', '/')}: No such file or directory (a vnet host has ${Object.keys(SETTINGS).join(', ')})`,
      );
    if (value !== undefined) setting.set(stack, value.trim());
    if (!args.includes('-q')) out += `${key} = ${setting.get(stack)}\n`;
  }
  return out;
}
