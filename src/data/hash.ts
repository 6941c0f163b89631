import { seedWords } from '../util/rng.ts';

/** A fast 128-bit string hash (cyrb128), as hex: cache keys and fingerprints, not security. */
export function hashHex(text: string): string {
  return seedWords(text)
    .map((word) => word.toString(16).padStart(8, '0'))
    .join('');
}

/** Hash of bytes (as Latin-1 text): fine for the few KB fingerprints read. */
export function hashBytes(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 4096)));
  }
  return hashHex(text);
}
