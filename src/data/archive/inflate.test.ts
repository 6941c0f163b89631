/** CRC-32 against zlib's, and the fflate stand-in against the platform's DecompressionStream. */
import { crc32 as zlibCrc32, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, inflateBlob, type InflateImpl } from './inflate.ts';

function bytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0, x = seed; i < n; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

async function inflateAll(blob: Blob, impl: InflateImpl): Promise<Uint8Array> {
  const { reader } = inflateBlob(blob, 'gzip', impl);
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}

describe('crc32', () => {
  it('equals zlib for every length around the 8-byte step, and continues across pieces', () => {
    const data = bytes(1000);
    for (let n = 0; n <= 40; n++)
      expect(crc32(data.subarray(3, 3 + n)), `length ${n}`).toBe(zlibCrc32(data.subarray(3, 3 + n)));
    expect(crc32(data.subarray(500), crc32(data.subarray(0, 500)))).toBe(zlibCrc32(data));
  });
});

describe('inflateBlob', () => {
  it.each(['native', 'fflate'] as const)(
    '%s: gunzips in pieces to the same bytes; a bad CRC is an error',
    async (impl) => {
      const data = bytes(300_000, 7).map((b) => b & 0x1f);
      const gz = new Uint8Array(gzipSync(data));
      expect(Buffer.from(await inflateAll(new Blob([gz]), impl)).equals(Buffer.from(data))).toBe(true);
      gz[gz.length - 5]! ^= 1;
      await expect(inflateAll(new Blob([gz]), impl)).rejects.toThrow();
    },
  );
});
