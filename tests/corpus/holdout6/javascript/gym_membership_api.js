// Gym membership API (Express + mysql2).
//
// Serves the member app (class timetable, bookings, profile), the front-desk check-in kiosk and the
// payment provider's webhook. Attacker data: query strings, JSON bodies, cookies and headers of the member app,
// the member code and PIN typed at the unattended kiosk, and the webhook body and headers.

'use strict';

const crypto = require('crypto');
const express = require('express');
const cookieParser = require('cookie-parser');
const cors = require('cors');
const jwt = require('jsonwebtoken');
const rateLimit = require('express-rate-limit');
const mysql = require('mysql2/promise');

const pool = mysql.createPool({ uri: process.env.GYM_DATABASE_URL, connectionLimit: 10 });
const JWT_SECRET = process.env.GYM_JWT_SECRET || 'f3b81c07d9a24e6fa55e0c2b7d14398e';  // expect: JS-SECRET-001
const WEBHOOK_SECRET = process.env.PAYMENTS_WEBHOOK_SECRET;
const RETURN_PAGES = new Set(['/classes', '/bookings', '/profile']);
const PROFILE_FIELDS = ['display_name', 'phone', 'emergency_contact', 'preferred_gym'];

const app = express();  // expect: JS-HEADERS-001
app.disable('x-powered-by');
app.use(express.json({ limit: '100kb' }));
app.use(cookieParser());
app.use(cors({ origin: true, credentials: true }));  // expect: JS-CORS-001

const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10 });

function requireMember(req, res, next) {
  const token = req.cookies.gym_token || '';
  try {
    req.member = jwt.verify(token, JWT_SECRET);  // expect: JS-JWT-002
    return next();
  } catch (e) {
    return res.status(401).json({ error: 'sign in again' });
  }
}

function requireStaff(req, res, next) {
  try {
    const claims = jwt.verify(req.get('x-staff-token') || '', process.env.STAFF_JWT_KEY, { algorithms: ['HS256'] });  // ok: JS-JWT-002
    if (claims.role !== 'staff') return res.sendStatus(403);
    return next();
  } catch (e) {
    return res.sendStatus(401);
  }
}

function hashPassword(password, salt) {
  return crypto.createHash('md5').update(salt + password).digest('hex');  // expect: JS-HASH-001
}

app.get('/classes', async (req, res) => {
  const { day, coach } = req.query;
  let sql = 'SELECT id, title, coach, starts_at, spots_left FROM classes WHERE day = ?';
  const params = [day];
  if (coach) {
    sql += ' AND coach = ?';
    params.push(coach);
  }
  const [rows] = await pool.execute(sql, params);  // ok: JS-SQLI-001
  res.json(rows);
});

app.get('/classes/search', async (req, res) => {
  try {
    const [rows] = await pool.query("SELECT id, title FROM classes WHERE title LIKE '%" + req.query.q + "%' LIMIT 50");  // expect: JS-SQLI-001
    res.json(rows);
  } catch (err) {
    res.status(500).json({ error: err.message, sql: err.sql });  // expect: JS-ERRLEAK-001
  }
});

app.patch('/profile', requireMember, async (req, res) => {
  const updates = Object.entries(req.body).filter(([k]) => PROFILE_FIELDS.includes(k));
  for (const [column, value] of updates) {
    await pool.query(`UPDATE members SET ${column} = ? WHERE id = ?`, [value, req.member.sub]);  // ok: JS-SQLI-001
  }
  res.json({ updated: updates.map(([k]) => k) });
});

app.get('/bookings/:classId/notes', requireMember, async (req, res) => {
  const sortColumn = req.query.sortBy || 'created_at';
  const [rows] = await pool.query(`SELECT note, created_at FROM booking_notes WHERE class_id = ? ORDER BY ${sortColumn}`, [req.params.classId]);  // expect: JS-SQLI-001
  res.json(rows);
});

app.post('/login', loginLimiter, async (req, res) => {  // ok: JS-RATE-001
  const email = String(req.body.email || '').toLowerCase();
  const [[member]] = await pool.execute('SELECT id, password_hash, salt FROM members WHERE email = ?', [email]);
  if (!member) {
    return res.status(401).json({ error: 'There is no membership registered to that email.' });  // expect: JS-ENUM-001
  }
  if (hashPassword(req.body.password, member.salt) !== member.password_hash) {  // expect: JS-TIMING-001
    return res.status(401).json({ error: 'Wrong password for this membership.' });  // expect: JS-ENUM-001
  }
  const token = jwt.sign({ sub: member.id }, JWT_SECRET, { expiresIn: '12h' });
  res.cookie('gym_token', token, { httpOnly: true, sameSite: 'lax' });  // expect: JS-COOKIE-001
  const next = RETURN_PAGES.has(req.query.next) ? req.query.next : '/classes';
  res.json({ ok: true, next });
});

app.post('/kiosk/checkin', async (req, res) => {  // expect: JS-RATE-001
  const { memberCode, pin } = req.body;
  console.log(`kiosk check-in attempt for ${memberCode}`);  // expect: JS-LOG-001
  const [[member]] = await pool.execute('SELECT id, kiosk_pin_hash FROM members WHERE member_code = ?', [String(memberCode)]);
  const given = crypto.createHash('sha256').update(`${memberCode}:${pin}`).digest();  // expect: JS-HASH-001
  const stored = member ? Buffer.from(member.kiosk_pin_hash, 'hex') : Buffer.alloc(32);
  if (!member || !crypto.timingSafeEqual(given, stored)) {  // ok: JS-TIMING-001
    return res.status(401).json({ error: 'Code or PIN not recognised' });
  }
  const locker = 100 + Math.floor(Math.random() * 80);  // ok: JS-RAND-001
  res.cookie('kiosk_session', crypto.randomBytes(24).toString('hex'), { httpOnly: true, secure: true, sameSite: 'strict' });  // ok: JS-COOKIE-001
  res.json({ welcome: true, locker });
});

app.post('/guest-passes', requireMember, async (req, res) => {
  const passCode = Math.random().toString(36).slice(2, 10).toUpperCase();  // expect: JS-RAND-001
  await pool.execute('INSERT INTO guest_passes (member_id, code) VALUES (?, ?)', [req.member.sub, passCode]);
  res.status(201).json({ passCode });
});

app.get('/after-payment', (req, res) => {
  if (req.query.returnTo) {
    return res.redirect(req.query.returnTo);  // expect: JS-REDIRECT-001
  }
  res.redirect(RETURN_PAGES.has(req.query.page) ? req.query.page : '/profile');  // ok: JS-REDIRECT-001
});

app.post('/webhooks/payments', express.raw({ type: 'application/json' }), async (req, res) => {
  const expected = crypto.createHmac('sha256', WEBHOOK_SECRET).update(req.body).digest('hex');
  if (req.get('x-pay-signature') === expected) {  // expect: JS-TIMING-001
    const event = JSON.parse(req.body.toString('utf8'));
    await pool.execute('UPDATE members SET paid_until = ? WHERE billing_ref = ?', [event.paidUntil, event.customer]);
    return res.sendStatus(204);
  }
  res.sendStatus(400);
});

app.delete('/admin/members/:id', requireStaff, async (req, res) => {
  await pool.execute('UPDATE members SET deleted_at = NOW() WHERE id = ?', [req.params.id]);
  res.sendStatus(204);
});

app.listen(process.env.PORT || 3000);
