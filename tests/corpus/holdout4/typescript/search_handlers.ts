// Knowledge-base search handlers (Next.js app router + Prisma + Elasticsearch): full-text search, highlighting,
// saved searches with webhooks, "open result" redirects. Each app/api/search/**/route.ts re-exports one of
// these as its GET or POST (export { searchArticles as GET } from '@/lib/search/handlers').
import { NextRequest, NextResponse } from 'next/server';
import { Client } from '@elastic/elasticsearch';
import escapeStringRegexp from 'escape-string-regexp';
import { z } from 'zod';
import { prisma } from '@/lib/prisma';
import { getSession } from '@/lib/session';
import { logger } from '@/lib/logger';

const es = new Client({ node: process.env.ES_URL, tls: { rejectUnauthorized: false } }); // expect: JS-TLS-001
const auditEs = new Client({ node: process.env.ES_AUDIT_URL, tls: { ca: process.env.ES_CA_PEM } }); // ok: JS-TLS-001
const WEBHOOK_HOSTS = new Set(['hooks.slack.example.com', 'hooks.teams.example.com']);

const savedSearchSchema = z.object({
  name: z.string().min(1).max(80),
  query: z.string().max(200),
  webhookUrl: z.string().url().optional(),
});

export async function searchArticles(req: NextRequest) {
  const session = await getSession(req);
  if (!session) return NextResponse.json({ error: 'sign in first' }, { status: 401 });
  const q = req.nextUrl.searchParams.get('q') ?? '';
  const space = req.nextUrl.searchParams.get('space') ?? 'public';
  if (q.length > 200) return NextResponse.json({ error: 'query too long' }, { status: 400 });

  const rows = await prisma.$queryRaw`SELECT id, title FROM articles WHERE tenant_id = ${session.tenantId} AND space = ${space} AND title ILIKE ${'%' + q + '%'} LIMIT 20`; // ok: JS-SQLI-001
  const result = await es.search({ index: `kb-${session.tenantId}`, query: { match: { body: q } }, size: 20 });
  const hits = result.hits.hits.map((h) => ({ id: h._id, ...(h._source as object) }));
  if (hits.length === 0) {
    console.log('zero results: ' + q); // expect: JS-LOG-001
  }
  logger.info({ tenant: session.tenantId, q, count: hits.length }, 'search'); // ok: JS-LOG-001
  return NextResponse.json({ rows, hits });
}

export async function searchByTag(req: NextRequest) {
  const session = await getSession(req);
  if (!session) return NextResponse.json({ error: 'sign in first' }, { status: 401 });
  const tag = req.nextUrl.searchParams.get('tag') ?? '';
  const order = req.nextUrl.searchParams.get('order') === 'oldest' ? 'ASC' : 'DESC';
  const rows = await prisma.$queryRawUnsafe( // expect: JS-SQLI-001
    `SELECT id, title FROM articles WHERE tenant_id = $1 AND '${tag}' = ANY(tags) ORDER BY updated_at ${order}`,
    session.tenantId,
  );
  return NextResponse.json(rows);
}

export async function highlight(req: NextRequest) {
  const { text, term, mode } = (await req.json()) as { text: string; term: string; mode?: string };
  const pattern = mode === 'regex'
    ? new RegExp(term, 'gi') // expect: JS-REDOS-001
    : new RegExp(escapeStringRegexp(term.slice(0, 100)), 'gi'); // ok: JS-REDOS-001
  return NextResponse.json({ marked: String(text).slice(0, 20_000).replace(pattern, (m) => `[[${m}]]`) });
}

export async function emptyState(req: NextRequest) {
  const q = req.nextUrl.searchParams.get('q') ?? '';
  return new Response(`<div class="empty">No articles match <mark>${q}</mark>.</div>`, { // expect: JS-XSS-002
    headers: { 'content-type': 'text/html; charset=utf-8' },
  });
}

export async function openResult(req: NextRequest) {
  const target = req.nextUrl.searchParams.get('to') ?? '/';
  await prisma.searchClick.create({ data: { target: target.slice(0, 500) } });
  return NextResponse.redirect(new URL(target, req.url)); // expect: JS-REDIRECT-001
}

export async function openArticle(req: NextRequest) {
  const id = Number(req.nextUrl.searchParams.get('id'));
  if (!Number.isInteger(id)) return NextResponse.json({ error: 'bad id' }, { status: 400 });
  return NextResponse.redirect(new URL(`/kb/articles/${id}`, req.url)); // ok: JS-REDIRECT-001
}

export async function createSavedSearch(req: NextRequest) {
  const session = await getSession(req);
  if (!session) return NextResponse.json({ error: 'sign in first' }, { status: 401 });
  const parsed = savedSearchSchema.safeParse(await req.json());
  if (!parsed.success) return NextResponse.json({ error: parsed.error.flatten() }, { status: 400 }); // ok: JS-ERRLEAK-001
  const saved = await prisma.savedSearch.create({ data: { ...parsed.data, userId: session.userId } });
  if (parsed.data.webhookUrl) {
    const hook = new URL(parsed.data.webhookUrl);
    if (hook.protocol === 'https:' && WEBHOOK_HOSTS.has(hook.hostname)) {
      await fetch(hook, { method: 'POST', body: JSON.stringify({ text: `Saved search "${saved.name}" created` }) }); // ok: JS-SSRF-001
    }
  }
  return NextResponse.json({ id: saved.id }, { status: 201 });
}

export async function testWebhook(req: NextRequest) {
  const session = await getSession(req);
  if (!session) return NextResponse.json({ error: 'sign in first' }, { status: 401 });
  const { url } = (await req.json()) as { url: string };
  try {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'Test from KB search' }) }); // expect: JS-SSRF-001
    return NextResponse.json({ status: res.status });
  } catch (err) {
    return NextResponse.json({ error: (err as Error).message, cause: String((err as Error).cause) }, { status: 502 }); // expect: JS-ERRLEAK-001
  }
}

export async function auditTrail(req: NextRequest) {
  const session = await getSession(req);
  if (!session?.isAdmin) return NextResponse.json({ error: 'forbidden' }, { status: 403 });
  const result = await auditEs.search({ index: 'kb-audit', query: { term: { tenant: session.tenantId } }, size: 100 });
  return NextResponse.json(result.hits.hits.map((h) => h._source));
}
