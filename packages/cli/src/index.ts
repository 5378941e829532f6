/** The `vnet` command line as a function, for embedding and tests: `await main(['decode', 'x.pcap'])`. */

export { CliError } from './errors.js';
export { type CliIo, main } from './main.js';
