import { DocumentParser } from '../lib/pipeline/document/document.parser.js';
import { createSchemaValidator } from '../lib/pipeline/document/schema.validator.js';
import { EventLoopGapProbe } from './event-loop-probe.js';
import { generateConfig, loadUncappedSchema, renderConfig, sleep } from './fixtures.js';
import type { Plan } from './plan.js';
import { summarize, type Summary } from './stats.js';

export interface OffThreadSize {
  sizeKb: number;
  /** Longest event-loop block while a one-field edit is parsed and schema-checked, ms. */
  longest: { here: Summary; worker: Summary };
  /** Wall time of that parse, ms: what the worker adds to a reload. */
  wall: { here: Summary; worker: Summary };
}

/**
 * Where parsing off the main thread starts to pay: the parse and schema check of a one-field
 * edit, on this thread and in the parse worker (from the patch it sends back), by size.
 */
export async function runOffThread(plan: Plan['offThread']): Promise<OffThreadSize[]> {
  const schema = createSchemaValidator(loadUncappedSchema());
  const probe = new EventLoopGapProbe();
  const sizes: OffThreadSize[] = [];
  for (const sizeKb of plan.sizesKb) {
    const config = generateConfig(sizeKb * 1024);
    const parsers = {
      here: new DocumentParser(schema, 'bench', Infinity),
      worker: new DocumentParser(schema, 'bench', 0),
    };
    const longest = { here: [] as number[], worker: [] as number[] };
    const wall = { here: [] as number[], worker: [] as number[] };
    const previous = {
      here: await parsers.here.parse(renderConfig(config, 1)),
      worker: await parsers.worker.parse(renderConfig(config, 1)),
    };
    let seq = 1;
    try {
      for (let round = 0; round < plan.rounds + 1; round++) {
        for (const way of round % 2 === 0
          ? (['here', 'worker'] as const)
          : (['worker', 'here'] as const)) {
          const text = renderConfig(config, ++seq);
          await sleep(5);
          probe.start();
          const started = performance.now();
          previous[way] = await parsers[way].parse(text, previous[way]);
          const elapsed = performance.now() - started;
          const gap = await probe.stop();
          if (round === 0) continue; // warm-up: the worker's first answer
          wall[way].push(elapsed);
          longest[way].push(gap);
        }
      }
      if (parsers.worker.parsedOffThread < plan.rounds)
        throw new Error('the worker did not answer');
    } finally {
      await parsers.here.close();
      await parsers.worker.close();
    }
    sizes.push({
      sizeKb,
      longest: { here: summarize(longest.here), worker: summarize(longest.worker) },
      wall: { here: summarize(wall.here), worker: summarize(wall.worker) },
    });
  }
  return sizes;
}
