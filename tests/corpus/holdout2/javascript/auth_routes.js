// Authentication routes: login, API-key check, password reset and the SSO return redirect.
const express = require('express');
const crypto = require('crypto');
const jwt = require('jsonwebtoken');
const bcrypt = require('bcrypt');
const rateLimit = require('express-rate-limit');
const { User, ResetToken } = require('../models');
const mailer = require('../mailer');

const router = express.Router();
const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, max: 10 });

const JWT_SECRET = 'b9f3c1e27d4a8f60e5c2d9a7b1f4e8c3'; // expect: JS-SECRET-001
const SESSION_PEPPER = process.env.SESSION_PEPPER; // ok: JS-SECRET-001
const INTERNAL_API_KEY = process.env.INTERNAL_API_KEY || '';

function hashLegacyPassword(password) {
  return crypto.createHash('sha256').update(password).digest('hex'); // expect: JS-HASH-001
}

function fingerprint(buffer) {
  return crypto.createHash('sha256').update(buffer).digest('hex'); // ok: JS-HASH-001
}

function requireUser(req, res, next) {
  const token = (req.headers.authorization || '').replace(/^Bearer /, '');
  const claims = jwt.decode(token); // expect: JS-JWT-001
  if (!claims || !claims.sub) return res.status(401).json({ error: 'unauthorised' });
  req.userId = claims.sub;
  next();
}

function requireAdmin(req, res, next) {
  const token = (req.headers.authorization || '').replace(/^Bearer /, '');
  try {
    const claims = jwt.verify(token, process.env.JWT_SECRET, { algorithms: ['HS256'] }); // ok: JS-JWT-001
    if (claims.role !== 'admin') return res.status(403).end();
    next();
  } catch (e) {
    res.status(401).json({ error: 'unauthorised' });
  }
}

function requireInternalKey(req, res, next) {
  if (req.get('x-api-key') === INTERNAL_API_KEY) return next(); // expect: JS-TIMING-001
  res.status(401).end();
}

function requireServiceKey(req, res, next) {
  const given = Buffer.from(req.get('x-service-key') || '');
  const wanted = Buffer.from(process.env.SERVICE_KEY || '');
  if (given.length === wanted.length && crypto.timingSafeEqual(given, wanted)) return next(); // ok: JS-TIMING-001
  res.status(401).end();
}

router.post('/login', loginLimiter, async (req, res) => { // ok: JS-RATE-001
  const user = await User.findOne({ where: { email: String(req.body.email || '').toLowerCase() } });
  const valid = user && (await bcrypt.compare(String(req.body.password || ''), user.passwordHash));
  if (!valid) return res.status(401).json({ error: 'Invalid email or password' }); // ok: JS-ENUM-001
  const token = jwt.sign({ sub: user.id }, process.env.JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' });
  res.json({ token });
});

router.post('/password-reset', loginLimiter, async (req, res) => {
  const user = await User.findOne({ where: { email: String(req.body.email || '').toLowerCase() } });
  if (user) {
    const token = Math.random().toString(36).slice(2) + Date.now().toString(36); // expect: JS-RAND-001
    await ResetToken.create({ userId: user.id, token, expiresAt: Date.now() + 30 * 60 * 1000 });
    await mailer.sendReset(user.email, token);
  }
  res.json({ message: 'If that address is registered, a reset link is on its way.' });
});

router.post('/invites', requireAdmin, async (req, res) => {
  const code = crypto.randomBytes(24).toString('base64url'); // ok: JS-RAND-001
  res.status(201).json({ code });
});

router.get('/sso/callback', requireUser, (req, res) => {
  res.redirect(req.query.returnTo || '/'); // expect: JS-REDIRECT-001
});

router.get('/sso/done', requireUser, (req, res) => {
  const target = String(req.query.returnTo || '/');
  const local = target.startsWith('/') && !target.startsWith('//') && !target.includes('\\');
  res.redirect(local ? target : '/'); // ok: JS-REDIRECT-001
});

router.get('/internal/users/:id', requireInternalKey, async (req, res) => {
  const user = await User.findByPk(req.params.id, { attributes: ['id', 'email', 'createdAt'] });
  res.json(user);
});

module.exports = { router, hashLegacyPassword, fingerprint, requireServiceKey, SESSION_PEPPER };
