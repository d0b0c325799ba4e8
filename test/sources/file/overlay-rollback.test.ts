import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BASE, BTC, json, overlayAppPerTest } from '../../support/overlay-app.js';
import { waitFor } from '../../support/wait-for.js';

describe('rollback with overlayPaths: the base file only', () => {
  const app = overlayAppPerTest();

  it('rolls back by writing the old base only; the overlays stay and are merged over it again', async () => {
    const { service } = await app.start({ 'btc.json': BTC });
    const baseBefore = await readFile(app.dir.file, 'utf8');
    const [first] = service.getHistory();
    await app.dir.write({ ...BASE, region: 'ap' });
    await waitFor(() => service.version === 2, { description: 'the base edit applied' });

    await expect(service.rollback(1)).resolves.toMatchObject({ region: 'us', maxPosition: 2 });
    // Byte for byte the old base, not the merged document.
    expect(await readFile(app.dir.file, 'utf8')).toBe(baseBefore);
    expect(await readFile(app.file('btc.json'), 'utf8')).toBe(json(BTC));
    expect(service.getHistory().at(-1)).toMatchObject({
      version: 3,
      source: 'rollback',
      hash: first!.hash,
      rawText: first!.rawText,
      baseText: baseBefore,
      variant: first!.variant,
    });
  });

  it('rolls back onto overlays edited since: applies what they make of the old base, or nothing when that is invalid', async () => {
    const withoutRegion = { ...BASE, region: undefined }; // left out of the JSON
    const { service } = await app.start({ 'btc.json': { ...BTC, region: 'eu' } }, withoutRegion);
    await app.dir.write({ ...BASE, region: 'us' }); // v2: the base now has a region of its own
    await waitFor(() => service.version === 2, { description: 'the base edit applied' });
    await app.write('btc.json', BTC); // v3: the overlay no longer sets one
    await waitFor(() => service.version === 3, { description: 'the overlay edit applied' });
    const newBase = await readFile(app.dir.file, 'utf8');

    // Back to v1's base: with today's overlay it has no region, so it is invalid.
    const refused = await service.rollback(2).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'CONFIG_VALIDATION' });
    expect((refused as Error).message).toMatch(/region/);
    // Nothing changed: the base file is put back as it was, the config stays.
    expect(await readFile(app.dir.file, 'utf8')).toBe(newBase);
    app.expectKept(3, { region: 'us', maxPosition: 2 });
    expect(service.getHistory().map((entry) => entry.source)).toEqual([
      'initial',
      'watch',
      'watch',
    ]);

    // Back to v2's base, the one in force: today's overlay over it is v3's document again.
    await expect(service.rollback(1)).resolves.toMatchObject({ region: 'us', maxPosition: 2 });
    expect(service.getHistory().at(-1)).toMatchObject({
      version: 4,
      source: 'rollback',
      hash: service.getHistory().at(-2)!.hash,
    });
    expect(await readFile(app.dir.file, 'utf8')).toBe(newBase);
  });
});
