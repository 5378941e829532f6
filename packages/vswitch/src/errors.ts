/** What a user got wrong configuring a switch. */
export type SwitchErrorCode = 'bad-option' | 'port-in-use' | 'no-such-port';

export class SwitchError extends Error {
  override readonly name = 'SwitchError';

  constructor(
    readonly code: SwitchErrorCode,
    message: string,
  ) {
    super(message);
  }
}
