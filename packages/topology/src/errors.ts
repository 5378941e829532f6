/** What a user got wrong in a topology, a command or its use of the API. */
export type TopologyErrorCode =
  /** No such node, link or interface. */
  | 'unknown-node'
  | 'unknown-link'
  /** A name, option or value that is not allowed. */
  | 'bad-option'
  | 'duplicate-name'
  /** A topology with loops and no spanning tree to break them. */
  | 'loop'
  /** The network is not in a state that allows this (not started, already stopped, …). */
  | 'bad-state'
  /** A node's worker failed. */
  | 'node-crashed'
  /** A command that does not exist on a node. */
  | 'unknown-command'
  /** Something that should have happened in time did not (a spanning tree that never settles). */
  | 'timeout'
  /** The user interrupted a command (Ctrl-C). */
  | 'interrupted';

export class TopologyError extends Error {
  override readonly name = 'TopologyError';

  constructor(
    readonly code: TopologyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
