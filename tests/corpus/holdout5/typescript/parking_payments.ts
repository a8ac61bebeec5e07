// ParkPay: Express backend for city parking payments. Drivers pay for a bay by plate number from the web
// app, get a receipt and a permit PDF; pay-and-display meters report sessions with an API key; enforcement
// officers sign in to check plates. Attacker data: anything a driver sends (plates, zone codes, return URLs,
// query strings), the meters' requests (meters sit on the street and their keys leak), and card-processor
// callbacks.
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import session from 'express-session';
import cors from 'cors';
import rateLimit from 'express-rate-limit';
import https from 'node:https';
import crypto from 'node:crypto';
import path from 'node:path';
import axios from 'axios';
import knexFactory from 'knex';
import escapeHtml from 'escape-html';
import argon2 from 'argon2';

const app = express();
app.use(helmet());
app.use(express.json());
app.use(cors({ origin: ['https://parkpay.example', 'https://officers.parkpay.example'], credentials: true })); // ok: JS-CORS-001
app.use(session({ secret: process.env.SESSION_SECRET as string, resave: false, saveUninitialized: false, cookie: { secure: false, httpOnly: true } })); // expect: JS-COOKIE-001

const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
const METER_FLEET_KEY = 'mtr-3a9d71c0e5b84f26a1d8c4e9f07b52d3'; // expect: JS-SECRET-001
const CARD_TOKEN_KEY = Buffer.from(process.env.CARD_TOKEN_KEY as string, 'base64');
const LEGACY_IV = Buffer.alloc(16, 0);
const PERMIT_DIR = path.resolve('/srv/parkpay/permits');
const RETURN_HOSTS = new Set(['parkpay.example', 'www.parkpay.example']);
const officerLimiter = rateLimit({ windowMs: 10 * 60 * 1000, limit: 8 });

const processor = axios.create({
  baseURL: 'https://cards.processor.example/v3',
  httpsAgent: new https.Agent({ keepAlive: true }), // ok: JS-TLS-001
});
const legacyProcessor = axios.create({ baseURL: 'https://legacy-cards.processor.example', httpsAgent: new https.Agent({ rejectUnauthorized: false }) }); // expect: JS-TLS-001

function sealCardToken(token: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', CARD_TOKEN_KEY, iv); // ok: JS-CRYPTO-001
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
}

function sealLegacy(token: string): string {
  const cipher = crypto.createCipheriv('aes-256-cbc', CARD_TOKEN_KEY, LEGACY_IV); // expect: JS-CRYPTO-001
  return Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]).toString('base64');
}

function meterAuth(req: Request, res: Response, next: NextFunction) {
  const key = req.get('x-meter-key') ?? '';
  if (key == METER_FLEET_KEY) return next(); // expect: JS-TIMING-001
  res.sendStatus(401);
}

app.get('/zones/:code/rates', async (req, res) => {
  const rows = await db.raw('SELECT tariff, max_minutes FROM zones WHERE code = ? AND active', [req.params.code]); // ok: JS-SQLI-001
  res.json(rows.rows);
});

app.get('/sessions/by-plate', async (req, res) => {
  const plate = String(req.query.plate).toUpperCase();
  const rows = await db.raw(`SELECT zone, ends_at FROM parking_sessions WHERE plate = '${plate}' AND ends_at > now()`); // expect: JS-SQLI-001
  res.json(rows.rows);
});

app.post('/pay', async (req: Request, res: Response) => {
  const { plate, zone, minutes, cardToken } = req.body;
  try {
    const charge = await processor.post('/charges', { amount: minutes * 5, token: cardToken });
    await db('parking_sessions').insert({ plate, zone, minutes, charge_id: charge.data.id, card: sealCardToken(cardToken) });
    const back = new URL(String(req.query.return_url || '/done'), 'https://parkpay.example');
    res.redirect(RETURN_HOSTS.has(back.hostname) ? back.toString() : '/done'); // ok: JS-REDIRECT-001
  } catch (err: any) {
    res.status(502).json({ error: 'payment failed', processor: err.response?.data, stack: err.stack }); // expect: JS-ERRLEAK-001
  }
});

app.post('/pay/legacy', async (req, res) => {
  const charge = await legacyProcessor.post('/charge', { amount: req.body.minutes * 5, token: req.body.cardToken });
  await db('parking_sessions').insert({ plate: req.body.plate, charge_id: charge.data.id, card: sealLegacy(req.body.cardToken) });
  res.redirect(String(req.query.return_url)); // expect: JS-REDIRECT-001
});

app.get('/receipt', async (req, res) => {
  const s = await db('parking_sessions').where({ charge_id: String(req.query.charge) }).first();
  if (!s) return res.status(404).send(`<p>No receipt for plate ${req.query.plate}</p>`); // expect: JS-XSS-002
  res.send(`<h1>Receipt</h1><p>Plate ${escapeHtml(s.plate)}, zone ${escapeHtml(s.zone)}</p>`); // ok: JS-XSS-002
});

app.get('/permits/:file', (req, res) => {
  const target = path.resolve(PERMIT_DIR, req.params.file);
  if (!target.startsWith(PERMIT_DIR + path.sep)) return res.sendStatus(400);
  res.sendFile(target); // ok: JS-PATH-001
});

app.post('/meters/report', meterAuth, async (req, res) => {
  await db('meter_events').insert({ meter: req.body.meterId, kind: req.body.kind, at: new Date() });
  console.info('meter report', JSON.stringify({ meter: req.body.meterId, kind: req.body.kind })); // ok: JS-LOG-001
  res.sendStatus(204);
});

app.post('/officers/sign-in', officerLimiter, async (req, res) => { // ok: JS-RATE-001
  const officer = await db('officers').where({ badge: String(req.body.badge) }).first();
  const valid = officer ? await argon2.verify(officer.pw_hash, String(req.body.password)) : false;
  if (!valid) return res.status(401).json({ error: 'Badge number or password is incorrect' }); // ok: JS-ENUM-001
  (req.session as any).officerId = officer.id;
  res.json({ ok: true });
});

app.post('/officers/pin-login', async (req, res) => { // expect: JS-RATE-001
  const officer = await db('officers').where({ badge: String(req.body.badge) }).first();
  const pinHash = crypto.createHash('sha256').update(String(req.body.pin)).digest('hex'); // expect: JS-HASH-001
  if (!officer || !crypto.timingSafeEqual(Buffer.from(pinHash), Buffer.from(officer.pin_hash))) return res.sendStatus(401); // ok: JS-TIMING-001
  (req.session as any).officerId = officer.id;
  res.json({ ok: true });
});

app.listen(8443);
