// Declared with the sources that assemble variants; the public types are all reachable from here.
export type { ConfigVariant } from '../sources/config-source.interface.js';
