import type { Command } from 'commander';

export interface OverlayFlag {
  /** Merge-patch files, in the order given. */
  overlay: string[];
}

/**
 * `--overlay <patch.json>`, repeatable: JSON merge patches layered over the file in the order
 * given, as the module's `overlayPaths` layers them, so that what is checked is the merged
 * document the app would run.
 */
export function addOverlayFlag(command: Command): Command {
  return command.option(
    '--overlay <patch.json>',
    'a JSON merge patch (RFC 7386) layered over the file, as the app\'s "overlayPaths"; ' +
      'repeat it for more, applied in order',
    (path: string, earlier: string[]) => [...earlier, path],
    [] as string[],
  );
}
