import type { Type } from '@nestjs/common';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Loads a DTO class from `<module-file>#<ExportedClass>` (a compiled JavaScript module, since
 * the class must carry its decorators' metadata). Throws with a message saying what is missing.
 */
export async function loadDtoClass(reference: string): Promise<Type<object>> {
  const separator = reference.lastIndexOf('#');
  if (separator <= 0 || separator === reference.length - 1) {
    throw new Error(`--dto takes <module-file>#<ExportedClass>, got "${reference}"`);
  }
  const file = reference.slice(0, separator);
  const exportName = reference.slice(separator + 1);
  const url = pathToFileURL(isAbsolute(file) ? file : resolve(file)).href;
  let moduleExports: Record<string, unknown>;
  try {
    moduleExports = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot load DTO module ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const dto = moduleExports[exportName];
  if (typeof dto !== 'function') {
    const available = Object.keys(moduleExports).join(', ') || 'none';
    throw new Error(`${file} has no exported class "${exportName}" (exports: ${available})`);
  }
  return dto as Type<object>;
}
