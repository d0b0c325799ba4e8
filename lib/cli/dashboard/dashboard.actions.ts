import type { ConfigValidationRules } from '../../pipeline/config.pipeline.js';
import { CliFailure, ExitCode, type CliOutput } from '../shared/cli-output.js';
import { escapeControlCharacters } from '../../change/printable.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { abortCanary } from '../canary/canary-abort.command.js';
import { promote } from '../canary/canary-promote.js';
import { findCanary } from '../canary/canary-read.js';
import { rollBack } from '../commands/rollback.command.js';

export const ACTIONS = ['promote', 'abort', 'rollback'] as const;
export type DashboardAction = (typeof ACTIONS)[number];

/** What the button did: the exit code and the lines the matching command would have printed. */
export interface ActionOutcome {
  action: DashboardAction;
  ok: boolean;
  exitCode: number;
  lines: string[];
}

export interface ActionContext {
  etcd: EtcdConnection;
  key: string;
  /** The `--schema` / `--dto` rules a rolled-back value is checked with. */
  rules: ConfigValidationRules<object>;
  maxFileBytes: number;
  secretKeys: string[];
}

const REVISION = /^[1-9][0-9]{0,18}$/;

/**
 * Runs `canary promote`, `canary abort` or `rollback [--to]` exactly as the commands do (the
 * same functions, no --wait: the page shows the fleet following), and hands back what they said.
 */
export async function runAction(
  context: ActionContext,
  action: DashboardAction,
  body: { to?: unknown },
): Promise<ActionOutcome> {
  const lines: string[] = [];
  const output: CliOutput = {
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    paint: (_colour, text) => text,
  };
  const { etcd, key } = context;
  const done = (exitCode: number): ActionOutcome => ({
    action,
    ok: exitCode === ExitCode.Ok,
    exitCode,
    lines,
  });
  try {
    if (action === 'promote') {
      const found = await findCanary(output, etcd, key);
      if (!found.found) return done(found.exitCode);
      return done(await promote(output, etcd, key, found.canary, undefined));
    }
    if (action === 'abort') return done((await abortCanary(output, etcd, key)).exitCode);
    if (body.to !== undefined && (typeof body.to !== 'string' || !REVISION.test(body.to))) {
      lines.push('"to" must be an etcd revision: a positive whole number, as a string');
      return done(ExitCode.Usage);
    }
    const exitCode = await rollBack(output, etcd, {
      key,
      to: body.to,
      rules: context.rules,
      maxFileBytes: context.maxFileBytes,
      secretKey: context.secretKeys,
      timeout: 0,
    });
    return done(exitCode);
  } catch (error) {
    if (!(error instanceof CliFailure)) throw error;
    lines.push(escapeControlCharacters(error.message));
    return done(error.exitCode);
  }
}
