/**
 * `zocket/draft`: the DRAFT socket types of zeromq.js's `zeromq/draft`, with its API — exactly its seven
 * names. libzmq's other two draft types, PEER and CHANNEL, which zeromq.js lacks, are in
 * `zocket/draft-extra` (draft-extra.ts). The wire rules they follow are docs/drafts-notes.md.
 */
export { Server, type ServerOptions, type ServerRoutingOptions, type RoutedMessage } from "./sockets/server.ts";
export { Client } from "./sockets/client.ts";
export { Radio, type RadioGroupOptions } from "./sockets/radio.ts";
export { Dish, type DishOptions, type DishGroupOptions, type GroupMessage } from "./sockets/dish.ts";
export { Gather } from "./sockets/gather.ts";
export { Scatter } from "./sockets/scatter.ts";
export { Datagram } from "./sockets/datagram.ts";
