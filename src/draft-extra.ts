/**
 * `zocket/draft-extra`: libzmq's draft socket types that zeromq.js does not have — PEER (RFC 51, with
 * `connectPeer()`) and CHANNEL (RFC 52). Kept apart from `zocket/draft` so that entry has exactly
 * zeromq.js's names. Both interoperate with libzmq 4.3.5 built with drafts (docs/drafts-notes.md §10, §11).
 */
export { Peer, type PeerOptions } from "./sockets/peer.ts";
export { Channel } from "./sockets/channel.ts";
