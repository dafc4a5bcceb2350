/** Random numbers where libzmq uses `generate_random()`. */

/** A random u32: where auto routing ids and REQ request ids start counting. */
export function randomU32(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}
