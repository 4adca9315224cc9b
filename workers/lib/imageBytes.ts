// Structural checks of an image file's bytes before anything decodes it. Browsers decode a
// truncated PNG/JPEG/GIF/WebP "successfully": the part that arrived plus blank (white once
// composited), and the model would then run on a sliver of the picture. Walking the container
// (PNG chunks with their CRCs, JPEG segments up to EOI, GIF blocks up to the trailer, the RIFF
// size of WebP) tells a whole file from a cut one without decoding pixels. Pure: runs in
// workers, in the page and in tests.

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface ImageBytesCheck {
  /** null: not one of the four formats checked here (SVG, BMP, AVIF...): left to the decoder */
  format: ImageFormat | null;
  /** why the file cannot be used, in words for the user; null when it is whole */
  problem: string | null;
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && at + i < b.length; i++) s += String.fromCharCode(b[at + i]);
  return s;
}

export function detectImageFormat(b: Uint8Array): ImageFormat | null {
  if (startsWith(b, PNG_SIG)) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  return null;
}

let crcTable: Uint32Array | null = null;
/** CRC-32 (ISO-HDLC, as PNG uses) of b[start, end). */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32be = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const u32le = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

const CUT = 'is cut short (the file ends before the image does; was the download or copy interrupted?)';

function checkPng(b: Uint8Array): string | null {
  let at = 8;
  let first = true;
  let sawData = false;
  while (true) {
    if (at + 8 > b.length) return `${CUT}: no end marker (IEND).`;
    const len = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    if (len > 0x7fffffff) return `is damaged: chunk "${type}" claims ${len} bytes.`;
    if (at + 12 + len > b.length) return `${CUT}: the "${type}" chunk needs ${len} bytes, ${Math.max(0, b.length - at - 12)} are there.`;
    if (first && type !== 'IHDR') return 'is damaged: a PNG must start with its header chunk (IHDR).';
    first = false;
    const want = u32be(b, at + 8 + len);
    if (crc32(b, at + 4, at + 8 + len) !== want) return `is damaged: the "${type}" chunk fails its checksum.`;
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return sawData ? null : 'is damaged: it has no image data (IDAT).';
    at += 12 + len;
  }
}

function checkJpeg(b: Uint8Array): string | null {
  let at = 2; // after SOI
  let sawFrame = false;
  while (true) {
    // markers may be padded with any number of 0xFF bytes
    while (at < b.length && b[at] === 0xff && at + 1 < b.length && b[at + 1] === 0xff) at++;
    if (at + 2 > b.length) return `${CUT}: no end marker (EOI).`;
    if (b[at] !== 0xff) return `is damaged: expected a marker at byte ${at}.`;
    const m = b[at + 1];
    if (m === 0xd9) return sawFrame ? null : 'is damaged: it ends before any frame.';
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      at += 2; // stand-alone markers
      continue;
    }
    if (at + 4 > b.length) return `${CUT}: no end marker (EOI).`;
    const len = (b[at + 2] << 8) | b[at + 3];
    if (len < 2) return `is damaged: bad segment length at byte ${at}.`;
    if (at + 2 + len > b.length) return `${CUT}: no end marker (EOI).`;
    if ((m >= 0xc0 && m <= 0xc3) || (m >= 0xc5 && m <= 0xc7) || (m >= 0xc9 && m <= 0xcb) || (m >= 0xcd && m <= 0xcf)) sawFrame = true;
    at += 2 + len;
    if (m === 0xda) {
      // entropy-coded data: runs until a marker other than a stuffed 0xFF00 or a restart marker
      while (true) {
        if (at + 1 >= b.length) return `${CUT}: no end marker (EOI).`;
        if (b[at] === 0xff && b[at + 1] !== 0x00 && !(b[at + 1] >= 0xd0 && b[at + 1] <= 0xd7) && b[at + 1] !== 0xff) break;
        at++;
      }
    }
  }
}

function checkGif(b: Uint8Array): string | null {
  if (b.length < 13) return `${CUT}: the header is incomplete.`;
  let at = 13;
  const flags = b[10];
  if (flags & 0x80) at += 3 * (1 << ((flags & 7) + 1));
  let frames = 0;
  const skipSubBlocks = (): boolean => {
    while (true) {
      if (at >= b.length) return false;
      const n = b[at];
      at += 1 + n;
      if (n === 0) return at <= b.length;
    }
  };
  while (true) {
    if (at >= b.length) return `${CUT}: no end marker (trailer).`;
    const tag = b[at];
    if (tag === 0x3b) return frames ? null : 'is damaged: it has no image in it.';
    if (tag === 0x21) {
      at += 2; // introducer + label
      if (!skipSubBlocks()) return `${CUT}: no end marker (trailer).`;
    } else if (tag === 0x2c) {
      if (at + 10 > b.length) return `${CUT}: no end marker (trailer).`;
      const f = b[at + 9];
      at += 10;
      if (f & 0x80) at += 3 * (1 << ((f & 7) + 1));
      at += 1; // LZW minimum code size
      if (!skipSubBlocks()) return `${CUT}: no end marker (trailer).`;
      frames++;
    } else {
      return `is damaged: unexpected block 0x${tag.toString(16)} at byte ${at}.`;
    }
  }
}

function checkWebp(b: Uint8Array): string | null {
  const size = u32le(b, 4);
  if (size + 8 > b.length) return `${CUT}: the file says ${size + 8} bytes, ${b.length} are there.`;
  // every chunk inside the RIFF must fit in it
  const end = size + 8;
  let at = 12;
  let sawImage = false;
  while (at + 8 <= end) {
    const type = ascii(b, at, 4);
    const len = u32le(b, at + 4);
    if (at + 8 + len > end) return `${CUT}: the "${type.trim()}" chunk needs ${len} bytes.`;
    if (type === 'VP8 ' || type === 'VP8L' || type === 'ANMF') sawImage = true;
    at += 8 + len + (len & 1);
  }
  return sawImage ? null : 'is damaged: it has no image data.';
}

/** Whether the bytes are a whole image file of a format checked here (see ImageBytesCheck). */
export function checkImageBytes(b: Uint8Array): ImageBytesCheck {
  const format = detectImageFormat(b);
  const problem = format === 'png' ? checkPng(b) : format === 'jpeg' ? checkJpeg(b) : format === 'gif' ? checkGif(b) : format === 'webp' ? checkWebp(b) : null;
  return { format, problem };
}
