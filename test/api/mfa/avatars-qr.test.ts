import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Avatars } from 'node-appwrite';
import { createRequire } from 'node:module';
import QRCode from 'qrcode';
import { describeEachBackend, startServer, type TestServer } from '../../harness.ts';

/** An independent PNG decoder (pngjs, which qrcode depends on; it ships no types). */
interface PNG {
  width: number;
  height: number;
  /** RGBA bytes. */
  data: Buffer;
}
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(buf: Buffer): PNG } } };

/** Whether the pixel at the centre of module (row, col) is dark, in an image of `size` px with `margin` modules of quiet zone. */
function darkAt(img: PNG, modules: number, margin: number, row: number, col: number): boolean {
  const span = modules + 2 * margin;
  const px = (m: number) => Math.floor(((m + margin + 0.5) * img.width) / span);
  return img.data[(px(row) * img.width + px(col)) * 4] < 128;
}

describeEachBackend('GET /avatars/qr', (backend) => {
  let t: TestServer;
  before(async () => (t = await startServer(backend)));
  after(async () => t?.close());

  it('renders the text as a square PNG of the asked size whose modules are the QR code of the text', async () => {
    const text = 'otpauth://totp/Default:ann@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Default';
    const bytes = await new Avatars(t.server()).getQR({ text, size: 300, margin: 2 });
    const img = PNG.sync.read(Buffer.from(bytes));
    assert.deepEqual([img.width, img.height], [300, 300]);
    const { size, data } = QRCode.create(text, { errorCorrectionLevel: 'L' }).modules;
    let mismatches = 0;
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (darkAt(img, size, 2, r, c) !== (data[r * size + c] === 1)) mismatches++;
    assert.equal(mismatches, 0);
    assert.equal(darkAt(img, size, 2, -1, -1), false, 'the quiet zone is white');
  });

  it('defaults to 400 px; a guest may fetch it; headers as Appwrite (type, 45-day private cache, download)', async () => {
    const res = await t.fetch('/avatars/qr?text=hello');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('cache-control'), 'private, max-age=3888000');
    assert.equal(res.headers.get('content-disposition'), null);
    assert.equal(PNG.sync.read(Buffer.from(await res.arrayBuffer())).width, 400);
    const download = await t.fetch('/avatars/qr?text=hello&download=true');
    assert.equal(download.headers.get('content-disposition'), 'attachment; filename="qr.png"');
  });

  it('the largest image (1000 px, 512 characters) is served', async () => {
    const res = await t.fetch(`/avatars/qr?size=1000&margin=10&text=${encodeURIComponent('é'.repeat(512))}`);
    assert.equal(res.status, 200);
    assert.equal(PNG.sync.read(Buffer.from(await res.arrayBuffer())).height, 1000);
  });

  it('out-of-range params are 400 general_argument_invalid', async () => {
    for (const query of ['', 'text=', `text=${'a'.repeat(513)}`, 'text=a&size=0', 'text=a&size=1001', 'text=a&margin=11', 'text=a&margin=-1']) {
      const res = await t.fetch(`/avatars/qr?${query}`);
      assert.deepEqual([res.status, ((await res.json()) as { type: string }).type], [400, 'general_argument_invalid'], query);
    }
  });
});
