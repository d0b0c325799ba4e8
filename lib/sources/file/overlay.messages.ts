import { resolvedFrom } from '../../config-reloader.messages.js';
import type { RelativePath } from '../../config-reloader.paths.js';

/** What the file source says about the merge-patch files layered over the config. */
export const overlayMessages = {
  notFound: (file: string, relative?: RelativePath) =>
    `Config overlay not found: ${file}${resolvedFrom(relative)}. Create it, or remove it from ` +
    '"overlayPaths".',
} as const;
