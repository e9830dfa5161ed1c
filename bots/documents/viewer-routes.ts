/**
 * The customer's side, no sign-in: GET /d/:token (the viewer), POST /d/:token/open (a view),
 * POST /d/:token/beacon (page seconds), GET /d/:token/file (the PDF; ?download=1 counts a
 * download). A revoked, expired or unknown link gets a clear page (410 or 404) and records
 * nothing; so does any request that fails its checks. Pages are never indexed.
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { insertPendingReading } from '../../db/queries/reading.ts';
import { linkOnlyByTokenHash, touchView, type DocumentLinkRow, type DocumentRow } from '../../db/queries/documents.ts';
import { registerViewerAssets } from './assets.ts';
import type { DocumentLookups } from './lookups.ts';
import { BEACON_BODY_LIMIT, parseBeacon, parseOpen } from './beacon.ts';
import type { ReadingEvent } from './reading.ts';
import { recordBeacon, recordOpen } from './reading.ts';
import type { DocumentDeps, DocumentLimits } from './routes.ts';
import { linkState, PDF_MIME } from './share.ts';
import { hashToken, isTokenShaped } from './tokens.ts';
import { goneHtml, VIEWER_CSP, viewerHtml, type LinkGone } from './viewer-page.ts';

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;
type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean }>;

const GONE_STATUS: Record<LinkGone, number> = { unknown: 404, revoked: 410, expired: 410 };

/** RFC 6266 filename for the download: ASCII fallback plus the UTF-8 name. */
function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function registerViewerRoutes(server: FastifyInstance, deps: DocumentDeps, limits: DocumentLimits, lookups: DocumentLookups): Promise<void> {
  await server.register(rateLimit, { global: false });
  const now = deps.now ?? (() => new Date());
  const assets = registerViewerAssets(server);

  // Every /d answer: never indexed, never cached by a shared cache, the token never sent on.
  server.addHook('onSend', async (req, reply) => {
    reply.header('x-robots-tag', 'noindex, nofollow');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    if (!req.url.startsWith('/d/assets/')) reply.header('cache-control', 'private, no-store');
  });

  const minute = 60_000;
  const byIp = (name: string, max: number): Limiter =>
    server.createRateLimit({ max, timeWindow: minute, keyGenerator: (req) => `${name}:ip:${normalizeIP(req.ip, 64)}` }) as Limiter;
  const byLink = (name: string, max: number): Limiter =>
    server.createRateLimit({ max, timeWindow: minute, keyGenerator: (req) => `${name}:link:${hashToken((req as TokenRequest).params.token)}` }) as Limiter;
  const pageIp = byIp('page', limits.viewerPerIpPerMinute);
  const openIp = byIp('open', limits.openPerIpPerMinute);
  const openLink = byLink('open', limits.openPerLinkPerMinute);
  const beaconIp = byIp('beacon', limits.beaconPerIpPerMinute);
  const beaconLink = byLink('beacon', limits.beaconPerLinkPerMinute);

  const limit = async (req: FastifyRequest, ...limiters: Limiter[]): Promise<void> => {
    for (const limiter of limiters) {
      const r = await limiter(req);
      if (!r.isAllowed && r.isExceeded) throw new AppError('RATE_LIMITED', 'too many requests, slow down');
    }
  };

  /** The open link behind a token, or why there is none. */
  const resolve = async (token: string): Promise<{ link: DocumentLinkRow; document: DocumentRow } | LinkGone> => {
    if (!isTokenShaped(token)) return 'unknown';
    const link = await linkOnlyByTokenHash(deps.db, hashToken(token));
    if (!link) return 'unknown';
    const state = linkState(link, now());
    if (state !== 'open') return state;
    const document = await lookups.document(link.documentId);
    return document ? { link, document } : 'unknown';
  };

  const gonePage = (reply: FastifyReply, reason: LinkGone) =>
    reply.status(GONE_STATUS[reason]).header('content-security-policy', VIEWER_CSP).type('text/html; charset=utf-8').send(goneHtml(reason, assets.style));
  const goneJson = (reason: LinkGone): AppError =>
    new AppError('NOT_FOUND', reason === 'unknown' ? 'no such link' : `the link was ${reason}`, { details: { reason, status: GONE_STATUS[reason] } });

  const emit = async (req: FastifyRequest, event: ReadingEvent | null): Promise<void> => {
    if (!event || !deps.onReading) return;
    // An open and a crossed rule change the deal or nudge: kept until applied. A plain beacon is
    // not (the next one brings the view's action up to date), nor a link made for no chat.
    const pendingId = event.conversationId && (event.type === 'opened' || event.signals.length > 0) ? newId() : undefined;
    if (pendingId) await insertPendingReading(deps.db, { id: pendingId, event, createdAt: now() });
    try {
      await deps.onReading(event, pendingId);
    } catch (err) {
      // The reading is stored; a listener's failure must not make the browser send it again.
      req.log.error(
        { err, documentId: event.documentId, viewId: event.viewId },
        pendingId ? 'reading listener failed; the sweep applies it' : 'reading listener failed',
      );
    }
  };

  server.get('/d/:token', async (req: TokenRequest, reply) => {
    await limit(req, pageIp);
    const found = await resolve(req.params.token);
    if (typeof found === 'string') return gonePage(reply, found);
    return reply
      .header('content-security-policy', VIEWER_CSP)
      .type('text/html; charset=utf-8')
      .send(viewerHtml({ title: found.document.title, pageCount: found.document.pageCount, assets }));
  });

  server.post('/d/:token/open', { bodyLimit: BEACON_BODY_LIMIT }, async (req: TokenRequest, reply) => {
    await limit(req, openIp);
    const found = await resolve(req.params.token);
    if (typeof found === 'string') return reply.status(GONE_STATUS[found]).send(errorBody(goneJson(found)));
    await limit(req, openLink);
    const body = parseOpen(req.body);
    const opened = await recordOpen(deps.db, {
      ...found,
      body,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      now: now(),
      withEvent: deps.onReading !== undefined,
    });
    await emit(req, opened.event);
    return reply.status(opened.created ? 201 : 200).send({ viewId: opened.viewId, pageCount: found.document.pageCount });
  });

  // The hot path: the token's link and the document come from memory, and the link's state is
  // checked by the one statement that stores the beacon.
  server.post('/d/:token/beacon', { bodyLimit: BEACON_BODY_LIMIT }, async (req: TokenRequest, reply) => {
    await limit(req, beaconIp);
    const token = req.params.token;
    const hash = isTokenShaped(token) ? hashToken(token) : null;
    const link = hash ? await lookups.linkRef(hash) : null;
    const document = link ? await lookups.document(link.documentId) : null;
    if (!hash || !link || !document) return reply.status(404).send(errorBody(goneJson('unknown')));
    await limit(req, beaconLink);
    const beacon = parseBeacon(req.body, document.pageCount);
    const { stored, event } = await recordBeacon(deps.db, { link, document, beacon, now: now(), withEvent: deps.onReading !== undefined });
    if (!stored) {
      // Nothing was written: say why, the link no longer opening or the view not being its own.
      const row = await linkOnlyByTokenHash(deps.db, hash);
      const state = row ? linkState(row, now()) : 'unknown';
      if (state !== 'open') return reply.status(GONE_STATUS[state]).send(errorBody(goneJson(state)));
      throw new AppError('NOT_FOUND', 'no such view on this link');
    }
    await emit(req, event);
    return reply.status(204).send();
  });

  server.get('/d/:token/file', async (req: FastifyRequest<{ Params: { token: string }; Querystring: { download?: string; view?: string } }>, reply) => {
    await limit(req, pageIp);
    const found = await resolve(req.params.token);
    if (typeof found === 'string') return gonePage(reply, found);
    const download = req.query.download === '1';
    // A download counts on the view that asked for it, and only if that view is this link's.
    if (download && typeof req.query.view === 'string' && /^[0-9a-f-]{36}$/i.test(req.query.view)) {
      await touchView(deps.db, { viewId: req.query.view, linkId: found.link.id, at: now(), download: true });
    }
    const object = await deps.storage.get(found.document.storageKey);
    if (object.size !== undefined) reply.header('content-length', object.size);
    return reply
      .type(PDF_MIME)
      .header('content-disposition', contentDisposition(download ? 'attachment' : 'inline', found.document.fileName))
      .send(object.stream);
  });
}

export function errorBody(e: AppError): { error: { code: string; message: string } } {
  return { error: { code: e.code, message: e.message } };
}
