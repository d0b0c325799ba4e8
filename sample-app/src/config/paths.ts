import { fileURLToPath } from 'node:url';

// `sample-app/config/` is a sibling of both `src/` (tests) and `dist/` (npm start),
// so the same relative URL finds it from the sources and from the build.
export const DEFAULT_CONFIG_PATH = fileURLToPath(
  new URL('../../config/trend_following.json', import.meta.url),
);

// Generated from the DTO (`npm run schema:sample`) for editors and the CLI; the app generates
// its own copy at start, and a test keeps this one current.
export const SCHEMA_PATH = fileURLToPath(
  new URL('../../config/trend_following.schema.json', import.meta.url),
);
