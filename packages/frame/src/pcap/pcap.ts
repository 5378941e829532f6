// PLACEHOLDER until the capture formats land.
export {};
