/**
 * Notices (告知书 / 意见书) the engine requested for a case:
 * - `GET /api/cases/{id}/notices` — the case's notices;
 * - `GET /api/notices/{id}` — the document as HTML, rendered from the deployment's template and data
 *   schema (`renderNotice` of `@shidian/pilot`, which refuses data missing a required content with
 *   `PILOT_ERR_NOTICE_DATA_INVALID`, 422); `?format=pdf` prints it with `@shidian/print` (headless
 *   Chromium, GB/T 9704 layout) when a Chromium is installed, else `API_ERR_NOTICE_FORMAT` (422).
 *
 * The document data is the case's variables plus what the platform knows: the case number, a
 * document number, the issue date (China time), the issuing body and the petitioner.
 *
 * @example
 * ```sh
 * curl -s localhost:3000/api/notices/$ID -H "authorization: Bearer $T" > notice.html
 * ```
 */
import type { FastifyPluginAsync } from 'fastify';
import { renderNotice } from '@shidian/pilot';
import { getDeployment } from '@shidian/store';
import { principalOf } from '../authenticate.js';
import { readableCounties, type Principal } from '../access.js';
import type { AppContext } from '../context.js';
import { apiError } from '../errors.js';
import { AUTHED, errorResponses, nullableString, nullableTimestamp, timestamp, uuid } from '../schemas.js';
import { caseVariables, loadCase } from './cases.js';

interface StoredManifestNotice {
  id: string;
  kind?: string;
  name?: { zh?: string; en?: string };
  template: string;
  data: string;
}

const noticeSchema = {
  type: 'object',
  required: ['noticeId', 'caseId', 'templateId', 'status', 'createdAt'],
  properties: {
    noticeId: { type: 'string' },
    caseId: { type: 'string' },
    templateId: { type: 'string' },
    kind: nullableString,
    name: nullableString,
    elementId: nullableString,
    status: { type: 'string' },
    createdAt: timestamp,
    issuedAt: nullableTimestamp,
  },
} as const;

async function manifestNotices(
  ctx: AppContext,
  countyId: string,
  deploymentId: string,
): Promise<{ notices: StoredManifestNotice[]; files: Readonly<Record<string, string>> }> {
  // the stored bundle in whichever shape it was written (older rows have no manifest, hence no notices)
  const { bundle } = await getDeployment(ctx.store.db, countyId, deploymentId);
  const manifest = bundle.manifest as { notices?: StoredManifestNotice[] } | undefined;
  return { notices: manifest?.notices ?? [], files: bundle.files };
}

function chinaDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Print errors that mean "this server cannot make PDFs" rather than "try again". */
const NO_PDF = new Set(['PRINT_ERR_BROWSER_MISSING', 'PRINT_ERR_LAUNCH_FAILED']);

async function printPdf(ctx: AppContext, html: string): Promise<Uint8Array> {
  try {
    return await ctx.printer.pdf(html);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NO_PDF.has(code)) {
      throw apiError('API_ERR_NOTICE_FORMAT', {
        format: 'pdf',
        reason: 'no PDF renderer (Chromium) is available on the server',
        printCode: code,
      });
    }
    throw e;
  }
}

/** The notices routes plugin. */
export const noticeRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { id: string } }>(
      '/api/cases/:id/notices',
      {
        schema: {
          tags: ['notices'],
          summary: 'Notices requested for a case',
          params: { type: 'object', required: ['id'], properties: { id: uuid } },
          response: {
            200: {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: noticeSchema } },
            },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const c = await loadCase(ctx, p, req.params.id);
        const rows = await ctx.store.db
          .selectFrom('notices')
          .selectAll()
          .where('county_id', '=', c.county_id)
          .where('case_id', '=', c.case_id)
          .orderBy('created_at')
          .orderBy('notice_id')
          .execute();
        const { notices } = await manifestNotices(ctx, c.county_id, c.deployment_id);
        return {
          items: rows.map((n) => {
            const m = notices.find((x) => x.id === n.template_id);
            return {
              noticeId: n.notice_id,
              caseId: n.case_id,
              templateId: n.template_id,
              kind: m?.kind ?? null,
              name: m?.name?.zh ?? null,
              elementId: n.element_id,
              status: n.status,
              createdAt: n.created_at.toISOString(),
              issuedAt: n.issued_at === null ? null : n.issued_at.toISOString(),
            };
          }),
        };
      },
    );

    app.get<{ Params: { id: string }; Querystring: { format: 'html' | 'pdf' } }>(
      '/api/notices/:id',
      {
        schema: {
          tags: ['notices'],
          summary: 'A notice as an HTML document (or PDF with ?format=pdf)',
          params: { type: 'object', required: ['id'], properties: { id: uuid } },
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { format: { type: 'string', enum: ['html', 'pdf'], default: 'html' } },
          },
          produces: ['text/html', 'application/pdf'],
          response: {
            200: { type: 'string', description: 'text/html or application/pdf' },
            ...errorResponses(...AUTHED, 404, 422),
          },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const html = await renderNoticeHtml(ctx, p, req.params.id);
        void reply.header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
        );
        void reply.header('cache-control', 'no-store');
        if (req.query.format === 'pdf') {
          const pdf = Buffer.from(await printPdf(ctx, html));
          return reply
            .type('application/pdf')
            .header('content-disposition', `inline; filename="notice-${req.params.id}.pdf"`)
            .send(pdf);
        }
        return reply.type('text/html; charset=utf-8').send(html);
      },
    );
  };

async function renderNoticeHtml(ctx: AppContext, p: Principal, noticeId: string): Promise<string> {
  const counties = readableCounties(p);
  if (counties.length === 0) throw apiError('API_ERR_NOTICE_NOT_FOUND');
  const n = await ctx.store.db
    .selectFrom('notices')
    .selectAll()
    .where('county_id', 'in', counties)
    .where('notice_id', '=', noticeId)
    .executeTakeFirst();
  if (n === undefined) throw apiError('API_ERR_NOTICE_NOT_FOUND');
  const c = await loadCase(ctx, p, n.case_id);
  const { notices, files } = await manifestNotices(ctx, c.county_id, c.deployment_id);
  const spec = notices.find((x) => x.id === n.template_id);
  const template = spec === undefined ? undefined : files[spec.template];
  const schemaText = spec === undefined ? undefined : files[spec.data];
  if (spec === undefined || template === undefined || schemaText === undefined) {
    throw apiError('API_ERR_NOTICE_FORMAT', {
      reason: 'the deployment has no template for this notice',
      templateId: n.template_id,
    });
  }
  const county = await ctx.store.counties.find(c.county_id);
  const unit =
    c.responsible_unit_id === null
      ? undefined
      : await ctx.store.units.find(c.county_id, c.responsible_unit_id);
  const seq = await ctx.store.db
    .selectFrom('notices')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('county_id', '=', c.county_id)
    .where('created_at', '<=', n.created_at)
    .executeTakeFirstOrThrow();
  const issued = n.issued_at ?? n.created_at;
  const vars = {
    ...caseVariables(c.state),
    ...(typeof n.payload === 'object' && n.payload !== null ? (n.payload as Record<string, unknown>) : {}),
  };
  const data: Record<string, unknown> = {
    ...vars,
    caseNumber: c.number,
    documentNumber:
      vars['documentNumber'] ??
      `${county?.short_name ?? ''}信〔${issued.getUTCFullYear()}〕${Number(seq.n)}号`,
    issuedOn: vars['issuedOn'] ?? chinaDate(issued),
    issuer: vars['issuer'] ?? { name: unit?.name ?? `${county?.name ?? ''}信访局` },
    petitioner: vars['petitioner'] ?? { name: c.petitioner_name ?? '' },
  };
  const dataSchema = JSON.parse(schemaText) as Parameters<typeof renderNotice>[0]['dataSchema'] & {
    properties?: Record<string, unknown>;
  };
  // Only what the document's data schema declares (case variables hold much more).
  const allowed = Object.keys(dataSchema.properties ?? {});
  const picked =
    allowed.length === 0
      ? data
      : Object.fromEntries(Object.entries(data).filter(([k]) => allowed.includes(k)));
  return renderNotice({ template, dataSchema }, picked);
}
