/** How much of each benchmark to run: the full run, or `--quick` (same code, fewer iterations). */
export interface Plan {
  quick: boolean;
  latency: {
    debounces: number[];
    /** Timed writes per write style, by debounce setting. */
    writesPerStyle: (debounceMs: number) => number;
    warmupWrites: (debounceMs: number) => number;
    /** Pause after each timed write, so the reloader's follow-up check is over before the next. */
    gapMs: number;
    /** From this debounce up, the two write styles run at the same time, half a cycle apart. */
    concurrentFromMs: number;
    chunkedTrials: (debounceMs: number) => number;
    chunks: number;
  };
  pipeline: {
    quick: boolean;
    sizesKb: number[];
    /** Measured reloads per round, by size; each round runs the library, then the floor. */
    iterations: (sizeKb: number) => number;
    rounds: (sizeKb: number) => number;
  };
  stall: {
    sizesKb: number[];
    /** Rounds of one-field reloads (one per variant, then a baseline window), by size. */
    rounds: (sizeKb: number) => number;
    /** Of those, the rounds that also time a full rewrite, by size. */
    rewriteRounds: (sizeKb: number) => number;
    /** The size at which the CPU of a one-field reload is set against the bare pipeline. */
    cpuSizeKb: number;
    cpuRounds: number;
    /** One-field reloads per variant (and bare pipeline runs) per CPU round. */
    cpuSamples: number;
  };
  offThread: { sizesKb: number[]; rounds: number };
  read: { batch: number; iterations: number; rounds: number };
  storm: { trials: number; writes: number; debounceMs: number };
  footprint: { instances: number; firstReloads: number; totalReloads: number };
  /** The Prometheus adapter: reloads per variant per round, and scrapes (the first ones warm up). */
  metrics: { rounds: number; reloadsPerRound: number; scrapes: number; warmupScrapes: number };
  /** Status records written straight into etcd; fresh page loads; puts the fleet reports. */
  dashboard: { instances: number; pageLoads: number; puts: number; boundMs: number };
  fleet: {
    /** Fleet sizes, each spread over this many processes (on 2 cores, more do not help). */
    layouts: Array<{ instances: number; processes: number }>;
    debounces: number[];
    /** Timed puts per fleet, by fleet size. */
    puts: (instances: number) => number;
    warmupPuts: number;
    /** Pause after each put once every fleet process has gone quiet (etcd may still be busy). */
    gapMs: number;
    /** An instance that has not seen a put this long after debounceMs missed it. */
    boundMs: number;
    /** CPU per change layer by layer: one fleet at a time, puts `spacingMs` apart. */
    breakdown: {
      instances: number;
      processes: number;
      puts: number;
      warmupPuts: number;
      spacingMs: number;
      /** Window in which etcd's idle CPU is measured, before any fleet of the breakdown runs. */
      etcdIdleMs: number;
      /** Every variant runs once per round; each figure is the median of its rounds. */
      rounds: number;
    };
    /** etcd killed for `outageMs` and restarted under a module fleet, `rounds` times. */
    recovery: { instances: number; processes: number; rounds: number; outageMs: number };
  };
}

export function makePlan(quick: boolean): Plan {
  return {
    quick,
    latency: {
      debounces: [0, 50, 1000],
      writesPerStyle: (debounceMs) => (quick ? (debounceMs >= 1000 ? 2 : 8) : 50),
      warmupWrites: (debounceMs) => (debounceMs >= 1000 ? (quick ? 0 : 1) : quick ? 1 : 3),
      gapMs: 80,
      concurrentFromMs: 1000,
      chunkedTrials: (debounceMs) => (quick ? 1 : debounceMs >= 1000 ? 2 : 5),
      chunks: quick ? 2 : 5,
    },
    pipeline: {
      quick,
      sizesKb: [5, 50, 500, 5120],
      // Short rounds, many of them: the ratio is taken within each round, then the median.
      iterations: (sizeKb) =>
        sizeKb >= 5000 ? (quick ? 1 : 2) : sizeKb >= 500 ? (quick ? 3 : 6) : quick ? 10 : 25,
      rounds: (sizeKb) => (sizeKb >= 5000 ? (quick ? 1 : 3) : quick ? 3 : 8),
    },
    stall: {
      sizesKb: [50, 500, 5120],
      rounds: (sizeKb) =>
        sizeKb >= 5000 ? (quick ? 2 : 7) : sizeKb >= 500 ? (quick ? 4 : 11) : quick ? 6 : 21,
      rewriteRounds: (sizeKb) => (sizeKb >= 5000 ? (quick ? 1 : 2) : quick ? 2 : 5),
      cpuSizeKb: 50,
      cpuRounds: quick ? 3 : 6,
      cpuSamples: quick ? 15 : 40,
    },
    offThread: { sizesKb: [32, 64, 128, 256, 512, 1024], rounds: quick ? 5 : 15 },
    read: { batch: 10_000, iterations: quick ? 100 : 400, rounds: quick ? 2 : 5 },
    storm: { trials: quick ? 3 : 20, writes: 1000, debounceMs: 100 },
    metrics: {
      rounds: quick ? 3 : 8,
      reloadsPerRound: quick ? 15 : 40,
      scrapes: quick ? 200 : 1000,
      warmupScrapes: quick ? 20 : 100,
    },
    dashboard: {
      instances: 1000,
      pageLoads: quick ? 3 : 10,
      puts: quick ? 3 : 10,
      boundMs: 30_000,
    },
    footprint: {
      instances: 100,
      firstReloads: 100,
      totalReloads: quick ? 600 : 10_000,
    },
    fleet: {
      layouts: [
        { instances: 1, processes: 1 },
        { instances: 10, processes: 2 },
        { instances: 100, processes: 4 },
      ],
      debounces: [0, 100],
      puts: (instances) =>
        instances >= 100 ? (quick ? 4 : 15) : instances >= 10 ? (quick ? 8 : 30) : quick ? 10 : 60,
      warmupPuts: quick ? 2 : 3,
      gapMs: 50,
      boundMs: 5000,
      breakdown: {
        instances: 10,
        processes: 1,
        puts: quick ? 20 : 100,
        warmupPuts: quick ? 5 : 20,
        spacingMs: 50,
        etcdIdleMs: quick ? 1000 : 3000,
        rounds: quick ? 1 : 5,
      },
      recovery: { instances: 100, processes: 4, rounds: quick ? 1 : 3, outageMs: 3000 },
    },
  };
}
