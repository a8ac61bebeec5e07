// Dating app API router (Express + Mongoose).
//
// Profiles, discovery search, likes, chat messages, profile photos and phone-number sign-in for the mobile app.
// Attacker data: every JSON body and query string (the app sends filters as JSON), the `prefs` cookie, photo URLs
// that members paste when they import pictures from other sites, and the bio/interest text other members write.

'use strict';

const crypto = require('crypto');
const express = require('express');
const axios = require('axios');
const rateLimit = require('express-rate-limit');
const serialize = require('node-serialize');
const bcrypt = require('bcrypt');
const escapeHtml = require('escape-html');
const { Profile, Match, Member, Message, ResetRequest } = require('./models');
const { sendSms } = require('./sms');
const { isPublicHttpsUrl } = require('./net-guard');

// Mounted at /api behind the session middleware; every route except /auth/* requires a signed-in member.
const router = express.Router();
const authLimiter = rateLimit({ windowMs: 10 * 60 * 1000, limit: 8 });

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function deepMerge(target, source) {  // expect: JS-PROTO-001
  for (const key of Object.keys(source)) {
    if (source[key] && typeof source[key] === 'object') {
      if (!target[key]) target[key] = {};
      deepMerge(target[key], source[key]);
    } else {
      target[key] = source[key];
    }
  }
  return target;
}

router.post('/auth/login', authLimiter, async (req, res) => {  // ok: JS-RATE-001
  const member = await Member.findOne({ phone: req.body.phone });  // expect: JS-NOSQL-001
  const ok = member && (await bcrypt.compare(String(req.body.password), member.passwordHash));  // ok: JS-HASH-001
  if (!ok) return res.status(401).json({ error: 'Phone number or password is wrong' });  // ok: JS-ENUM-001
  req.session.memberId = member.id;
  res.json({ id: member.id });
});

router.post('/auth/reset', authLimiter, async (req, res) => {
  const phone = String(req.body.phone || '');
  const member = await Member.findOne({ phone });  // ok: JS-NOSQL-001
  if (!member) {
    return res.status(404).json({ error: 'We could not find a member with that phone number' });  // expect: JS-ENUM-001
  }
  const code = crypto.randomInt(100000, 1000000).toString();
  const token = crypto.randomBytes(32).toString('hex');
  await ResetRequest.create({
    member: member.id,
    codeDigest: crypto.createHash('sha1').update(code).digest('hex'),  // expect: JS-HASH-001
    tokenDigest: crypto.createHash('sha256').update(token).digest('hex'),  // ok: JS-HASH-001
  });
  await sendSms(phone, `Your reset code is ${code}`);
  res.json({ token });
});

router.get('/discover', async (req, res) => {
  const filter = req.query.filter ? JSON.parse(req.query.filter) : {};
  const profiles = await Profile.find({ visible: true, ...filter }).limit(40);  // expect: JS-NOSQL-001
  res.json(profiles);
});

router.get('/discover/nearby', async (req, res) => {
  const city = String(req.query.city || '');
  const minAge = Number.parseInt(req.query.minAge, 10) || 18;
  const profiles = await Profile.find({ city, age: { $gte: minAge }, visible: true }).limit(40);  // ok: JS-NOSQL-001
  if (profiles.length === 0) {
    return res.send(`<p class="empty">Nobody near ${req.query.city} yet. Try a bigger radius!</p>`);  // expect: JS-XSS-002
  }
  res.json(profiles);
});

router.get('/discover/interests', async (req, res) => {
  const term = String(req.query.q || '');
  const exact = await Profile.find({ interests: new RegExp('^' + escapeRegExp(term) + '$', 'i') }).limit(20);  // ok: JS-REDOS-001
  const fuzzy = await Profile.find({ bio: { $regex: new RegExp(term, 'i') } }).limit(20);  // expect: JS-REDOS-001
  res.json({ exact, fuzzy });
});

router.get('/discover/older-than', async (req, res) => {
  const profiles = await Profile.find({ $where: 'this.age > ' + req.query.age }).limit(40);  // expect: JS-NOSQL-001
  res.json(profiles);
});

router.put('/profile', async (req, res) => {
  const bio = String(req.body.bio || '');
  if (!/^([\w'’,.!?-]+\s?)+$/.test(bio)) {  // expect: JS-REDOS-002
    return res.status(400).json({ error: 'Bio has characters we do not support' });
  }
  const profile = await Profile.findOne({ member: req.session.memberId });
  deepMerge(profile.settings, req.body.settings || {});
  profile.bio = bio;
  await profile.save();
  res.json(profile);
});

router.get('/profile/prefs', (req, res) => {
  const raw = req.cookies.prefs ? Buffer.from(req.cookies.prefs, 'base64').toString('utf8') : '{}';
  const prefs = serialize.unserialize(raw);  // expect: JS-DESER-001
  res.json({ distanceKm: prefs.distanceKm || 25, showMe: prefs.showMe || 'everyone' });
});

router.post('/photos/import', async (req, res) => {
  const { url } = req.body;
  if (!isPublicHttpsUrl(url)) return res.status(400).json({ error: 'Use a public https:// image link' });
  const img = await axios.get(url, { responseType: 'arraybuffer', maxContentLength: 5e6, maxRedirects: 0 });  // ok: JS-SSRF-001
  res.json({ bytes: img.data.length });
});

router.get('/chat/link-preview', async (req, res) => {
  const page = await axios.get(req.query.link, { timeout: 8000, maxContentLength: 1e6 });  // expect: JS-SSRF-001
  const title = /<title>([^<]{0,200})<\/title>/i.exec(page.data);
  res.json({ title: title ? title[1] : null, type: page.headers['content-type'] });
});

async function ownMatch(req, res, next) {
  const match = await Match.findOne({ _id: String(req.params.matchId), members: req.session.memberId });
  return match ? next() : res.sendStatus(404);
}

router.post('/matches/:matchId/messages', ownMatch, async (req, res) => {
  const text = String(req.body.text || '').slice(0, 2000);
  const msg = await Message.create({ match: req.params.matchId, from: req.session.memberId, text });
  console.info('message %s stored (%d chars)', msg.id, text.length);  // ok: JS-LOG-001
  res.status(201).json({ id: msg.id });
});

router.get('/matches/:matchId/preview', ownMatch, async (req, res) => {
  const last = await Message.findOne({ match: req.params.matchId }).sort({ createdAt: -1 });
  res.type('html').send(`<div class="bubble">${escapeHtml(last ? last.text : '')}</div>`);  // ok: JS-XSS-002
});

router.post('/reports', async (req, res) => {
  console.warn('profile reported: ' + req.body.profileId + ' reason=' + req.body.reason);  // expect: JS-LOG-001
  res.sendStatus(202);
});

router.use((err, req, res, next) => {
  res.status(500).json({ message: 'Something went wrong', detail: err.stack });  // expect: JS-ERRLEAK-001
});

module.exports = router;
