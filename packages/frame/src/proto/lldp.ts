// PLACEHOLDER until the protocol lands.
export {};
