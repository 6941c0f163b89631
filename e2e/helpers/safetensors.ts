/** Reads a safetensors header: 8-byte little-endian length, then JSON. */
export function safetensorsHeader(
  bytes: Buffer,
): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  delete header.__metadata__;
  const dataBytes = bytes.length - 8 - length;
  for (const [key, entry] of Object.entries(header)) {
    const {
      data_offsets: [begin, end],
    } = entry as { data_offsets: [number, number] };
    if (!(begin >= 0 && end >= begin && end <= dataBytes))
      throw new Error(`${key}: offsets outside the file`);
  }
  return header as ReturnType<typeof safetensorsHeader>;
}
