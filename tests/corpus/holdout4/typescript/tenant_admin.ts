// Multi-tenant SaaS admin API (Express + knex): tenant members, invitations, audit export and SSO settings.
// Tenant routes run after requireTenantAdmin, which pins req.tenantId from the verified session; SCIM
// provisioning is for the company's own IdP and writes only to SCIM_TENANT_ID.
import express, { Request, Response, Router } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import rateLimit from 'express-rate-limit';
import session from 'express-session';
import crypto from 'crypto';
import path from 'path';
import { execFile } from 'child_process';
import { promisify } from 'util';
import jwt from 'jsonwebtoken';
import knex from 'knex';
import pino from 'pino';
import { requireTenantAdmin, verifyPassword } from './auth';

const execFileAsync = promisify(execFile);
const log = pino();
const db = knex({ client: 'pg', connection: process.env.ADMIN_DATABASE_URL });
const SESSION_SECRET = process.env.ADMIN_SESSION_SECRET;
const SCIM_TOKEN = process.env.SCIM_TOKEN;
const SCIM_TENANT_ID = Number(process.env.SCIM_TENANT_ID);
if (!SESSION_SECRET || !SCIM_TOKEN) throw new Error('ADMIN_SESSION_SECRET and SCIM_TOKEN must be set'); // ok: JS-SECRET-001
const EXPORT_DIR = path.resolve('/var/lib/admin/exports');
const SORTS: Record<string, string> = { name: 'display_name', joined: 'created_at', role: 'role' };
const RETURN_HOSTS = new Set(['app.example.com', 'admin.example.com']);

export const app = express(); // ok: JS-HEADERS-001
app.use(helmet());
app.use(cors({ origin: ['https://admin.example.com'], credentials: true })); // ok: JS-CORS-001
app.use(express.json({ limit: '100kb' }));
app.set('trust proxy', 1);
app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false, cookie: { secure: true, httpOnly: true, sameSite: 'lax' } })); // ok: JS-COOKIE-001

const router = Router();
const loginLimiter = rateLimit({ windowMs: 15 * 60_000, limit: 5 });

router.post('/login', loginLimiter, async (req: Request, res: Response) => { // ok: JS-RATE-001
  const admin = await db('admins').where({ email: String(req.body.email).toLowerCase() }).first(); // ok: JS-SQLI-001
  const valid = await verifyPassword(admin?.password_hash, String(req.body.password));
  if (!admin || !valid) return res.status(401).json({ error: 'Invalid email or password' }); // ok: JS-ENUM-001
  req.session.regenerate(() => {
    req.session.adminId = admin.id;
    res.json({ ok: true });
  });
});

router.get('/members', requireTenantAdmin, async (req: Request, res: Response) => {
  const sort = SORTS[String(req.query.sort)] ?? 'display_name';
  const members = await db('members')
    .where({ tenant_id: req.tenantId }) // ok: JS-SQLI-001
    .andWhereRaw('display_name ILIKE ?', [`%${String(req.query.q ?? '')}%`]) // ok: JS-SQLI-001
    .orderBy(sort)
    .limit(100);
  res.json(members);
});

router.post('/invitations', requireTenantAdmin, async (req: Request, res: Response) => {
  const token = crypto.randomBytes(32).toString('base64url'); // ok: JS-RAND-001
  const tokenHash = crypto.createHash('sha256').update(token).digest('hex'); // ok: JS-HASH-001
  await db('invitations').insert({ tenant_id: req.tenantId, email: String(req.body.email), token_hash: tokenHash });
  log.info({ tenant: req.tenantId, email: String(req.body.email) }, 'invitation created'); // ok: JS-LOG-001
  res.status(201).json({ link: `https://app.example.com/join?token=${token}` });
});

router.post('/scim/v2/Users', async (req: Request, res: Response) => {
  const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const expected = Buffer.from(SCIM_TOKEN);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) { // ok: JS-TIMING-001
    return res.status(401).json({ detail: 'unauthorised' });
  }
  await db.raw('INSERT INTO members (tenant_id, email, display_name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [ // ok: JS-SQLI-001
    SCIM_TENANT_ID, String(req.body.userName), String(req.body.displayName ?? ''),
  ]);
  res.status(201).json({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] });
});

router.get('/exports/:name', requireTenantAdmin, (req: Request, res: Response) => {
  const name = path.basename(req.params.name);
  res.sendFile(path.join(String(req.tenantId), name), { root: EXPORT_DIR }); // ok: JS-PATH-001
});

router.post('/exports', requireTenantAdmin, async (req: Request, res: Response) => {
  const file = path.join(EXPORT_DIR, String(req.tenantId), `audit-${Date.now()}.csv.gz`);
  try {
    await execFileAsync('/usr/local/bin/audit-export', ['--tenant', String(req.tenantId), '--out', file]); // ok: JS-CMDI-001
    res.status(201).json({ name: path.basename(file) });
  } catch (err) {
    log.error({ err }, 'audit export failed');
    res.status(500).json({ error: 'export failed', requestId: req.get('x-request-id') }); // ok: JS-ERRLEAK-001
  }
});

router.get('/sso/return', (req: Request, res: Response) => {
  const raw = String(req.query.to ?? '');
  let target = '/';
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' && RETURN_HOSTS.has(url.hostname)) target = url.toString();
  } catch {
    target = '/';
  }
  res.redirect(target); // ok: JS-REDIRECT-001
});

router.post('/sso/test-assertion', requireTenantAdmin, async (req: Request, res: Response) => {
  const idp = await db('sso_settings').where({ tenant_id: req.tenantId }).first();
  try {
    const claims = jwt.verify(String(req.body.token), idp.public_key_pem, { algorithms: ['RS256'], issuer: idp.issuer }); // ok: JS-JWT-002
    res.json({ claims });
  } catch {
    res.status(400).json({ error: 'token did not verify' });
  }
});

app.use('/admin', router);
