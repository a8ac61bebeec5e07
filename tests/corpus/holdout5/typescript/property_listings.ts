// Keystone property listings API (Express + node-postgres). The public searches and views listings and
// sends enquiries; estate agents sign in to manage them; partner portals pull a signed XML/JSON feed.
// Attacker data: query strings, route params, JSON bodies and uploaded photos from the public and from
// agents, plus the partner feed requests. This file is meant to be safe throughout.
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import session from 'express-session';
import rateLimit from 'express-rate-limit';
import crypto from 'node:crypto';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { Pool } from 'pg';
import bcrypt from 'bcrypt';
import jwt from 'jsonwebtoken';
import yaml from 'js-yaml';
import multer from 'multer';
import axios from 'axios';
import escapeHtml from 'escape-html';
import escapeStringRegexp from 'escape-string-regexp';
import { sendMail } from './mailer';
import { logger } from './logger';

const app = express(); // ok: JS-HEADERS-001
app.use(helmet());
app.use(express.json({ limit: '200kb' }));
app.use(cors({ origin: ['https://keystone.example'], credentials: true })); // ok: JS-CORS-001
app.set('trust proxy', 1);
app.use(session({ secret: process.env.SESSION_SECRET as string, resave: false, saveUninitialized: false, cookie: { secure: true, httpOnly: true, sameSite: 'lax' } })); // ok: JS-COOKIE-001

const pool = new Pool({ connectionString: process.env.DATABASE_URL, ssl: { ca: process.env.DB_CA_CERT } }); // ok: JS-TLS-001
const PHOTO_DIR = path.resolve('/srv/keystone/photos');
const FEED_KEY = Buffer.from(process.env.PARTNER_FEED_KEY ?? '', 'utf8');
const AGENT_TOKEN_KEY = process.env.AGENT_TOKEN_KEY as string;
const SORTS: Record<string, string> = { price: 'price ASC', newest: 'listed_at DESC', size: 'floor_area DESC' };
const agentLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10 });
const upload = multer({ dest: '/srv/keystone/incoming', limits: { fileSize: 8 * 1024 * 1024 } });
const FEED_SETTINGS = yaml.load(String(process.env.FEED_SETTINGS_YAML ?? '{}')); // ok: JS-DESER-001

app.get('/listings', async (req: Request, res: Response) => {
  const clauses = ['status = $1'];
  const values: unknown[] = ['active'];
  if (req.query.city) {
    values.push(String(req.query.city));
    clauses.push(`city = $${values.length}`);
  }
  if (req.query.maxPrice) {
    values.push(Number(req.query.maxPrice));
    clauses.push(`price <= $${values.length}`);
  }
  const order = SORTS[String(req.query.sort)] ?? SORTS.newest;
  const sql = `SELECT id, title, price, city FROM listings WHERE ${clauses.join(' AND ')} ORDER BY ${order} LIMIT 50`;
  const { rows } = await pool.query(sql, values); // ok: JS-SQLI-001
  res.json(rows);
});

app.get('/listings/featured', async (_req, res) => {
  const { rows } = await pool.query("SELECT id, title FROM listings WHERE featured AND status = 'active'");
  const shuffled = rows.sort(() => Math.random() - 0.5).slice(0, 6); // ok: JS-RAND-001
  res.json(shuffled);
});

app.get('/listings/search-titles', async (req, res) => {
  const needle = new RegExp(escapeStringRegexp(String(req.query.q ?? '')), 'i'); // ok: JS-REDOS-001
  const { rows } = await pool.query("SELECT id, title FROM listings WHERE status = 'active' LIMIT 500");
  res.json(rows.filter((r) => needle.test(r.title)));
});

app.post('/listings/:id/enquiries', rateLimit({ windowMs: 60_000, limit: 3 }), async (req, res) => {
  const { rows } = await pool.query('SELECT agent_email, title FROM listings WHERE id = $1', [Number(req.params.id)]);
  if (!rows[0]) return res.status(404).json({ error: 'listing not found' });
  const html = `<p>${escapeHtml(String(req.body.name))} asks about <b>${escapeHtml(rows[0].title)}</b>:</p><p>${escapeHtml(String(req.body.message))}</p>`;
  await sendMail(rows[0].agent_email, 'New enquiry', html);
  logger.info({ listing: req.params.id, from: String(req.body.email) }, 'enquiry sent'); // ok: JS-LOG-001
  res.status(202).json({ ok: true });
});

app.get('/listings/:id/photo/:name', (req, res) => {
  res.sendFile(path.basename(req.params.name), { root: path.join(PHOTO_DIR, String(Number(req.params.id))) }); // ok: JS-PATH-001
});

app.get('/map-tile', async (req, res) => {
  const z = Number(req.query.z), x = Number(req.query.x), y = Number(req.query.y);
  const tile = await axios.get(`https://tiles.maps.example/v2/${z}/${x}/${y}.png`, { responseType: 'arraybuffer' }); // ok: JS-SSRF-001
  res.type('png').send(tile.data);
});

app.get('/go', (req, res) => {
  const target = String(req.query.to ?? '');
  const allowed = ['/listings', '/agents', '/saved'];
  res.redirect(allowed.includes(target) ? target : '/'); // ok: JS-REDIRECT-001
});

app.post('/agents/sign-in', agentLimiter, async (req, res) => { // ok: JS-RATE-001
  const { rows } = await pool.query('SELECT id, pw_hash FROM agents WHERE email = $1', [String(req.body.email).toLowerCase()]);
  const ok = rows[0] ? await bcrypt.compare(String(req.body.password), rows[0].pw_hash) : false;
  if (!ok) return res.status(401).json({ error: 'Invalid e-mail or password' }); // ok: JS-ENUM-001
  (req.session as any).agentId = rows[0].id;
  res.json({ token: jwt.sign({ sub: rows[0].id }, AGENT_TOKEN_KEY, { algorithm: 'HS256', expiresIn: '1h' }) });
});

function agentAuth(req: Request, res: Response, next: NextFunction) {
  try {
    const token = (req.get('authorization') ?? '').replace(/^Bearer /, '');
    (req as any).agent = jwt.verify(token, AGENT_TOKEN_KEY, { algorithms: ['HS256'] }); // ok: JS-JWT-002
    next();
  } catch {
    res.sendStatus(401);
  }
}

app.post('/agents/photos', agentAuth, upload.single('photo'), (req, res) => {
  const out = path.join(PHOTO_DIR, `${crypto.randomUUID()}.webp`);
  execFile('cwebp', ['-q', '80', req.file!.path, '-o', out], (err) => { // ok: JS-CMDI-001
    if (err) {
      logger.error({ err }, 'photo conversion failed');
      return res.status(500).json({ error: 'could not process photo' }); // ok: JS-ERRLEAK-001
    }
    res.status(201).json({ file: path.basename(out) });
  });
});

app.get('/partners/feed', async (req, res) => {
  const given = Buffer.from(req.get('x-feed-key') ?? '', 'utf8');
  if (given.length !== FEED_KEY.length || !crypto.timingSafeEqual(given, FEED_KEY)) return res.sendStatus(401); // ok: JS-TIMING-001
  const { rows } = await pool.query("SELECT id, title, price, updated_at FROM listings WHERE status = 'active'");
  const body = JSON.stringify({ settings: FEED_SETTINGS, listings: rows });
  res.set('ETag', crypto.createHash('sha256').update(body).digest('hex')).type('json').send(body); // ok: JS-HASH-001
});

app.listen(8080);
