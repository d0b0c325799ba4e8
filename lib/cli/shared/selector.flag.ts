import { InvalidArgumentError } from 'commander';
import { isPrototypeKey, LABEL_KEY } from '../../sources/instance-identity.js';
import type { Selector } from '../../sources/etcd/fleet/selector.js';
import { formatLabels, shownToken } from './identity.format.js';
import { selectorFlagMessages as problem } from './selector.messages.js';

const PERCENT = /^(\d+(?:\.\d+)?)%(?:\.\.(\d+(?:\.\d+)?)%)?$/;

/**
 * A selector as typed on the command line: comma-separated terms, each trimmed. `10%` is the
 * share `[0, 10)` of the fleet, `50%..100%` the share `[50, 100)`; `seed=exp-7` the seed those
 * are hashed with; `instance=bot-3` names an instance (repeatable: any of them); any other
 * `name=value` is a label the instance must have. Throws commander's InvalidArgumentError, so a
 * bad selector is a usage error (exit 2) that names the term at fault.
 */
export function parseSelectorFlag(value: string): Selector {
  if (value.trim() === '') throw new InvalidArgumentError(problem.empty());
  const selector: Selector = {};
  let percentTerm: string | undefined;
  const labels = new Map<string, string>();
  const instances = new Set<string>();
  value.split(',').forEach((raw, index) => {
    const term = raw.trim();
    if (term === '') throw new InvalidArgumentError(problem.emptyTerm(index + 1));
    const equals = term.indexOf('=');
    if (equals === -1) {
      if (!term.includes('%')) throw new InvalidArgumentError(problem.notATerm(term));
      if (percentTerm !== undefined) {
        throw new InvalidArgumentError(problem.percentTwice(term, percentTerm));
      }
      selector.percent = parsePercent(term);
      percentTerm = term;
      return;
    }
    const name = term.slice(0, equals).trim();
    const given = term.slice(equals + 1).trim();
    if (name === '') throw new InvalidArgumentError(problem.noName(term));
    if (given === '') throw new InvalidArgumentError(problem.noValue(term));
    if (name === 'instance') {
      instances.add(given);
      return;
    }
    // The seed is one value too: two different seeds cannot both hold.
    const first = name === 'seed' ? selector.seed : labels.get(name);
    if (first !== undefined && first !== given) {
      throw new InvalidArgumentError(problem.givenTwice(term, name, first));
    }
    if (name === 'seed') selector.seed = given;
    else labels.set(checkedLabelName(term, name), given);
  });
  if (labels.size > 0) selector.labels = Object.fromEntries(labels);
  if (instances.size > 0) selector.instances = [...instances];
  return selector;
}

/** A name no instance can have as a label (`etcdSource({ labels })` refuses it) is a typo. */
function checkedLabelName(term: string, name: string): string {
  if (isPrototypeKey(name)) throw new InvalidArgumentError(problem.prototypeName(term));
  if (!LABEL_KEY.test(name)) throw new InvalidArgumentError(problem.badLabelName(term, name));
  return name;
}

function parsePercent(term: string): number | [number, number] {
  const match = PERCENT.exec(term);
  if (!match) throw new InvalidArgumentError(problem.badPercent(term));
  const from = Number(match[1]);
  const to = match[2] === undefined ? undefined : Number(match[2]);
  if (from > 100 || (to !== undefined && (to > 100 || from > to))) {
    throw new InvalidArgumentError(problem.badPercent(term));
  }
  return to === undefined ? from : [from, to];
}

/**
 * A selector in the syntax `parseSelectorFlag` reads, for status output: percent, seed, labels,
 * instances. Selectors come from etcd records, untrusted: every name and value is shown on one
 * line with control characters escaped, and one that would read as something else (a comma, a
 * quote, spaces; a label named `seed` or `instance`) in double quotes. `{}` is `100%`.
 */
export function formatSelector(selector: Selector): string {
  const terms: string[] = [];
  const { percent, seed, labels, instances } = selector;
  if (percent !== undefined) {
    terms.push(typeof percent === 'number' ? `${percent}%` : `${percent[0]}%..${percent[1]}%`);
  }
  if (seed !== undefined) terms.push(`seed=${shownToken(seed)}`);
  if (labels) terms.push(formatLabels(labels));
  for (const id of instances ?? []) terms.push(`instance=${shownToken(id)}`);
  return terms.filter(Boolean).join(',') || '100%';
}
