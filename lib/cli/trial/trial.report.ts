import { printable } from '../../change/printable.js';
import type { TrialAnswer } from '../../sources/etcd/fleet/trial-answers.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { formatLabels } from '../shared/identity.format.js';
import { trialMessages } from './trial.messages.js';

/** One instance's answer on one line; every field of its record is untrusted text. */
export function trialRow({ instance, state, error }: TrialAnswer, timeout: string): string {
  const labels = formatLabels(instance.labels);
  const who = `${printable(instance.instanceId)} on ${printable(instance.hostname)}${labels ? ` (${labels})` : ''}`;
  switch (state) {
    case 'accepted':
      return `  accepted  ${who}`;
    case 'rejected':
      return error
        ? `  rejected  ${who}: ${printable(error.code)}: ${printable(error.message)}`
        : `  rejected  ${who}: no error given`;
    case 'gone':
      return `  gone      ${who}: its record vanished before it answered (the process ended)`;
    default:
      return `  no answer ${who}: none within ${timeout}`;
  }
}

const COLOUR = {
  accepted: 'green',
  rejected: 'red',
  gone: 'yellow',
  unanswered: 'yellow',
} as const;

/** Prints an answer as it comes. */
export function printAnswer(output: CliOutput, answer: TrialAnswer, timeout: string): void {
  output.out(output.paint(COLOUR[answer.state], trialRow(answer, timeout)));
}

/**
 * The end of a trial: the instances that did not answer, then one line for all, and the exit
 * code: 0 every instance accepted, 5 one rejected, 6 one did not answer (or vanished).
 */
export function reportTrial(output: CliOutput, answers: readonly TrialAnswer[], timeout: string) {
  const count = (state: TrialAnswer['state']) => answers.filter((a) => a.state === state).length;
  for (const answer of answers) {
    if (answer.state === 'unanswered') printAnswer(output, answer, timeout);
  }
  const [rejected, gone, unanswered] = [count('rejected'), count('gone'), count('unanswered')];
  if (rejected + gone + unanswered === 0) {
    output.out(output.paint('green', trialMessages.allAccepted(answers.length)));
    return ExitCode.Ok;
  }
  const parts = [
    rejected > 0 ? `rejected by ${rejected}` : '',
    unanswered > 0 ? `no answer from ${unanswered}` : '',
    gone > 0 ? `${gone} gone before answering` : '',
  ].filter(Boolean);
  output.err(output.paint('red', trialMessages.notAll(parts, answers.length)));
  return rejected > 0 ? ExitCode.Rejected : ExitCode.Behind;
}
