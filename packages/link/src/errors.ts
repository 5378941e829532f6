/** Why @vnet/link refused a call. */
export type LinkErrorCode =
  /** An option or impairment outside its range (negative delay, loss above 100 %, …). */
  | 'bad-option'
  /** `offset`/`length` do not lie inside the frame's bytes. */
  | 'bad-range'
  /** Not a descriptor made by `createLink` (or its memory is damaged). */
  | 'bad-descriptor'
  /** The end is already open somewhere: each end may be open in one place at a time. */
  | 'already-open'
  /** The end was closed; open its descriptor again to use it. */
  | 'closed';

/** The one error @vnet/link throws for calls a user can get wrong. */
export class LinkError extends Error {
  override readonly name = 'LinkError';

  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
  }
}
