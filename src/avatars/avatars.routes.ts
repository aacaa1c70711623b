import type { FastifyInstance } from 'fastify';
import { route } from '../http/route.ts';
import { P, T } from '../schemas/params.ts';
import { renderQrPng, warmQrEncoder } from './qr.ts';

/** 45 days, as Appwrite: the image of a text never changes. */
const CACHE_CONTROL = 'private, max-age=3888000';

/** GET /avatars/qr: the only avatar Tessera serves (e.g. to show a TOTP provisioning URI). */
export function avatarRoutes() {
  return async (app: FastifyInstance) => {
    warmQrEncoder();
    route<{}, { text: string; size?: number; margin?: number; download?: boolean }>(app, {
      method: 'GET',
      url: '/avatars/qr',
      meta: { scope: 'avatars.read' },
      params: T.Object({
        text: P.text(512, 1),
        size: P.opt(P.int(1, 1000)),
        margin: P.opt(P.int(0, 10)),
        download: P.opt(P.bool()),
      }),
      handler: async (_req, reply, input) => {
        const image = await renderQrPng(input.text, { size: input.size ?? 400, margin: input.margin ?? 1 });
        if (input.download) reply.header('Content-Disposition', 'attachment; filename="qr.png"');
        return reply.header('Cache-Control', CACHE_CONTROL).type('image/png').send(image);
      },
    });
  };
}
