/** Why a stack refused a request from its user (never raised by the frames it receives). */
export type NetstackErrorCode =
  /** Text or a number that is not an IPv4 address, prefix or MAC. */
  | 'bad-address'
  /** An option outside its range (MTU, TTL, size, id, metric, …). */
  | 'bad-value'
  /** No interface has that name. */
  | 'no-such-interface'
  /** An interface of that name already exists. */
  | 'interface-exists'
  /** The address is already on that interface. */
  | 'address-exists'
  /** The address is not on that interface. */
  | 'no-such-address'
  /** A route to the same prefix with the same metric exists. */
  | 'route-exists'
  /** No route matches what was asked to be deleted. */
  | 'no-such-route'
  /** A gateway or neighbour that no connected network reaches. */
  | 'network-unreachable'
  /** Another listener already holds that ICMP echo identifier or protocol number. */
  | 'in-use'
  /** A filter rule, chain or policy that cannot work (the message says what to change). */
  | 'bad-rule'
  /** No filter rule has that handle. */
  | 'no-such-rule'
  /** The stack was closed. */
  | 'closed'
  /** A TCP connection ended abnormally: the peer reset it (ECONNRESET), refused it (ECONNREFUSED), or it timed out (ETIMEDOUT). */
  | 'connection-reset'
  | 'connection-refused'
  | 'timed-out';

/** The one error the stack throws, with a code and a message that says what to do. */
export class NetstackError extends Error {
  override readonly name = 'NetstackError';

  constructor(
    readonly code: NetstackErrorCode,
    message: string,
  ) {
    super(message);
  }
}
