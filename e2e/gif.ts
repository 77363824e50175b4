/**
 * A minimal GIF89a reader for the tests: walks the block structure (header, logical screen, colour
 * tables, extensions, image descriptors and their LZW sub-blocks, trailer) and counts the images.
 * It throws on anything malformed, so "it parses" means the whole file is well-formed.
 */
export interface GifInfo {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  /** Delay of each frame in ms (from its graphic control extension; 0 when absent). */
  readonly delays: number[];
}

export function parseGif(bytes: Uint8Array): GifInfo {
  let p = 0;
  const need = (n: number) => {
    if (p + n > bytes.length) throw new Error(`gif: truncated at byte ${p}`);
  };
  const u8 = () => (need(1), bytes[p++]!);
  const u16 = () => (need(2), (p += 2), bytes[p - 2]! | (bytes[p - 1]! << 8));
  const skipSubBlocks = () => {
    for (;;) {
      const n = u8();
      if (n === 0) return;
      need(n);
      p += n;
    }
  };
  need(6);
  const sig = String.fromCharCode(...bytes.subarray(0, 6));
  if (sig !== 'GIF89a' && sig !== 'GIF87a') throw new Error(`gif: bad signature ${JSON.stringify(sig)}`);
  p = 6;
  const width = u16();
  const height = u16();
  const flags = u8();
  p += 2; // background colour, aspect
  if (flags & 0x80) p += 3 * (1 << ((flags & 7) + 1));
  let frames = 0;
  const delays: number[] = [];
  let pendingDelay = 0;
  for (;;) {
    const block = u8();
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      const label = u8();
      if (label === 0xf9) {
        const size = u8();
        if (size !== 4) throw new Error('gif: bad graphic control extension');
        u8();
        pendingDelay = u16() * 10;
        p += 1;
        if (u8() !== 0) throw new Error('gif: graphic control extension not terminated');
      } else {
        skipSubBlocks();
      }
    } else if (block === 0x2c) {
      p += 8; // left, top, width, height
      const f = u8();
      if (f & 0x80) p += 3 * (1 << ((f & 7) + 1));
      const minCode = u8();
      if (minCode < 2 || minCode > 8) throw new Error(`gif: bad LZW minimum code size ${minCode}`);
      skipSubBlocks();
      frames++;
      delays.push(pendingDelay);
      pendingDelay = 0;
    } else {
      throw new Error(`gif: unknown block 0x${block.toString(16)} at byte ${p - 1}`);
    }
  }
  return { width, height, frames, delays };
}
