import { crc32, deflate } from 'node:zlib';
import { promisify } from 'node:util';
import QRCode from 'qrcode';
import { argumentInvalid } from '../errors/errors.ts';

const deflateAsync = promisify(deflate);

export interface QrOptions {
  /** Width and height of the image in pixels. */
  size: number;
  /** Quiet zone around the code, in modules. */
  margin: number;
}

/**
 * A QR code as a size×size grayscale PNG. The `qrcode` package's own PNG output takes 120-270 ms of
 * the event loop at 1000 px (pngjs filters and compresses synchronously); here only the module
 * matrix (about 3 ms for 512 characters) and the raw scanlines (about a megabyte of copying) are
 * made on the loop, and compression runs on libuv's thread pool.
 */
export async function renderQrPng(text: string, opts: QrOptions): Promise<Buffer> {
  const raw = scanlines(modulesOf(text), opts);
  return png(opts.size, opts.size, await deflateAsync(raw));
}

/** The first code a process makes costs about half a second (qrcode's lazy tables, JIT): made at start. */
export function warmQrEncoder(): void {
  QRCode.create('https://tessera.invalid/warm-up', { errorCorrectionLevel: 'L' });
}

interface Modules {
  size: number;
  data: Uint8Array;
}

function modulesOf(text: string): Modules {
  try {
    // Error correction L, as Appwrite's chillerlan/php-qrcode default: the most text per code.
    return QRCode.create(text, { errorCorrectionLevel: 'L' }).modules;
  } catch {
    throw argumentInvalid('text', 'Value must be a valid string and no longer than 512 chars');
  }
}

/**
 * PNG scanlines (filter byte 0, then one gray byte per pixel): the code plus its quiet zone scaled to
 * fill the image, each pixel taking the module under it. Rows of one module row are copied.
 */
function scanlines(m: Modules, { size, margin }: QrOptions): Buffer {
  const span = m.size + 2 * margin;
  const moduleAt = new Int32Array(size);
  for (let p = 0; p < size; p++) moduleAt[p] = Math.floor((p * span) / size) - margin;
  const stride = size + 1;
  const raw = Buffer.alloc(stride * size);
  let previousModuleRow = Number.NaN;
  for (let y = 0; y < size; y++) {
    const row = moduleAt[y];
    const start = y * stride;
    if (row === previousModuleRow) {
      raw.copy(raw, start, start - stride, start);
      continue;
    }
    previousModuleRow = row;
    for (let x = 0; x < size; x++) {
      const col = moduleAt[x];
      const dark = row >= 0 && row < m.size && col >= 0 && col < m.size && m.data[row * m.size + col] === 1;
      raw[start + 1 + x] = dark ? 0 : 255;
    }
  }
  return raw;
}

function png(width: number, height: number, idat: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}
