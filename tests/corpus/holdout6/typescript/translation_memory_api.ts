// Translation memory service (Express + node-postgres). Safe throughout: written after the security review.
//
// Translators search stored segments, import TMX files from clients, export memories, share read-only links and
// sign in. Attacker data: query strings, JSON bodies and cookies of the translator app, TMX uploads (XML written
// by clients' tools), and the project-management system's webhook.

import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { execFile } from 'child_process';
import path from 'path';
import { promisify } from 'util';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import rateLimit from 'express-rate-limit';
import cookieParser from 'cookie-parser';
import multer from 'multer';
import { XMLParser } from 'fast-xml-parser';
import jwt from 'jsonwebtoken';
import argon2 from 'argon2';
import escapeHtml from 'escape-html';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.TM_DATABASE_URL, ssl: { rejectUnauthorized: true } });  // ok: JS-TLS-001
const run = promisify(execFile);
const EXPORT_DIR = path.resolve('/srv/tm/exports');
const JWT_PUBLIC_KEY = process.env.TM_JWT_PUBLIC_KEY!;
const PM_WEBHOOK_SECRET = process.env.PM_WEBHOOK_SECRET!;
const EXAMPLE_CONFIG = { apiKey: '<your-api-key>', region: 'eu' };  // ok: JS-SECRET-001
const SORTS: Record<string, string> = { recent: 'updated_at DESC', quality: 'quality_score DESC', source: 'source_text ASC' };
const RETURN_TO = new Set(['/memories', '/search', '/settings']);
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 20 * 1024 * 1024 } });
const tmxParser = new XMLParser({ ignoreAttributes: false, processEntities: false, allowBooleanAttributes: true });  // ok: JS-XXE-001

const app = express();  // ok: JS-HEADERS-001
app.use(helmet());
app.use(express.json({ limit: '256kb' }));
app.use(cookieParser());
const signInLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10, standardHeaders: true });

function requireTranslator(req: Request, res: Response, next: NextFunction) {
  try {
    res.locals.user = jwt.verify(req.cookies.tm_session ?? '', JWT_PUBLIC_KEY, { algorithms: ['RS256'] });  // ok: JS-JWT-002
    next();
  } catch {
    res.sendStatus(401);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

app.get('/segments', requireTranslator, async (req, res) => {
  const orderBy = SORTS[String(req.query.sort)] ?? SORTS.recent;
  const sql = `SELECT id, source_text, target_text FROM segments WHERE memory_id = $1 AND source_text ILIKE $2 ORDER BY ${orderBy} LIMIT 50`;
  const { rows } = await pool.query(sql, [req.query.memory, `%${escapeLike(String(req.query.q ?? ''))}%`]);  // ok: JS-SQLI-001
  res.json(rows);
});

app.get('/segments/highlight', requireTranslator, async (req, res) => {
  const term = String(req.query.term ?? '').slice(0, 100);
  const safeTerm = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');  // ok: JS-REDOS-001
  const { rows } = await pool.query('SELECT id, target_text FROM segments WHERE memory_id = $1 LIMIT 20', [req.query.memory]);
  res.json(rows.map((r) => ({ id: r.id, marked: escapeHtml(r.target_text).replace(safeTerm, (m: string) => `<mark>${m}</mark>`) })));
});

app.get('/segments/:id/preview', requireTranslator, async (req, res) => {
  const { rows } = await pool.query('SELECT source_text, target_text FROM segments WHERE id = $1', [req.params.id]);
  if (!rows[0]) return res.status(404).type('text/plain').send(`No segment ${req.params.id}`);  // ok: JS-XSS-002
  res.type('html').send(`<p lang="en">${escapeHtml(rows[0].source_text)}</p><p>${escapeHtml(rows[0].target_text)}</p>`);  // ok: JS-XSS-002
});

app.post('/memories/:memoryId/import', requireTranslator, upload.single('tmx'), async (req, res) => {
  const tmx = tmxParser.parse(req.file!.buffer.toString('utf8'));
  const units = [].concat(tmx?.tmx?.body?.tu ?? []);
  for (const tu of units as any[]) {
    const [src, tgt] = [].concat(tu.tuv ?? []).map((v: any) => String(v.seg ?? ''));
    await pool.query('INSERT INTO segments (memory_id, source_text, target_text) VALUES ($1, $2, $3)', [req.params.memoryId, src, tgt]);  // ok: JS-SQLI-001
  }
  console.info(JSON.stringify({ event: 'tmx.import', memory: req.params.memoryId, units: units.length }));  // ok: JS-LOG-001
  res.json({ imported: units.length });
});

app.post('/memories/:memoryId/export', requireTranslator, async (req, res) => {
  const memoryId = Number.parseInt(req.params.memoryId, 10);
  if (!Number.isInteger(memoryId)) return res.sendStatus(400);
  const outFile = path.join(EXPORT_DIR, `memory-${memoryId}.tmx.gz`);
  await run('/usr/local/bin/tm-export', ['--memory', String(memoryId), '--out', outFile]);  // ok: JS-CMDI-001
  res.json({ download: `/exports/${path.basename(outFile)}` });
});

app.get('/exports/:file', requireTranslator, (req, res) => {
  res.download(path.basename(req.params.file), { root: EXPORT_DIR });  // ok: JS-PATH-001
});

app.post('/memories/:memoryId/share', requireTranslator, async (req, res) => {
  const token = randomBytes(24).toString('base64url');  // ok: JS-RAND-001
  await pool.query('INSERT INTO share_links (token, memory_id, created_by) VALUES ($1, $2, $3)', [token, req.params.memoryId, res.locals.user.sub]);
  res.status(201).json({ url: `https://tm.example.com/shared/${token}` });
});

app.post('/webhooks/pm', express.raw({ type: 'application/json' }), (req, res) => {
  const expected = createHmac('sha256', PM_WEBHOOK_SECRET).update(req.body).digest();
  const given = Buffer.from(req.get('x-pm-signature') ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return res.sendStatus(401);  // ok: JS-TIMING-001
  res.sendStatus(204);
});

app.post('/auth/sign-in', signInLimiter, async (req, res) => {  // ok: JS-RATE-001
  const { rows } = await pool.query('SELECT id, password_hash FROM translators WHERE email = $1', [String(req.body.email ?? '').toLowerCase()]);
  const valid = rows[0] ? await argon2.verify(rows[0].password_hash, String(req.body.password ?? '')) : false;  // ok: JS-HASH-001
  if (!valid) return res.status(401).json({ error: 'Email or password is incorrect' });  // ok: JS-ENUM-001
  const session = await fetch('https://auth.internal.example/sessions', { method: 'POST', body: JSON.stringify({ sub: rows[0].id }) });  // ok: JS-SSRF-001
  const { token } = await session.json();
  res.cookie('tm_session', token, { httpOnly: true, secure: true, sameSite: 'lax', maxAge: 8 * 3600 * 1000 });  // ok: JS-COOKIE-001
  const back = String(req.query.returnTo ?? '/memories');
  res.json({ next: RETURN_TO.has(back) ? back : '/memories' });
});

app.get('/go', (req, res) => {
  const back = String(req.query.to ?? '/memories');
  res.redirect(RETURN_TO.has(back) ? back : '/memories');  // ok: JS-REDIRECT-001
});

app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
  console.error('unhandled', err);
  res.status(500).json({ error: 'Something went wrong on our side' });  // ok: JS-ERRLEAK-001
});

app.listen(Number(process.env.PORT ?? 3100));
