/**
 * Where things sit in the stack's buffers. A leaf module (it imports nothing of the stack), so
 * every layer can read these constants whatever order the modules load in.
 */

/** Room for an Ethernet header in front of every datagram the stack builds or holds. */
export const HEADROOM = 14;
/** An IPv4 header without options. */
export const IP_HEADER = 20;
/** Where a locally built payload starts in the send buffer: after the headroom and the IPv4 header. */
export const PAYLOAD_AT = HEADROOM + IP_HEADER;
/** The shortest Ethernet frame without FCS; shorter ones are padded with zeros. */
export const MIN_FRAME = 60;
