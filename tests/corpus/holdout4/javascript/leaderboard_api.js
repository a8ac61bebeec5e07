// Game leaderboard API: score submission from game clients, seasonal boards, player cards,
// tournament invites and the organiser console. Express + node-postgres.
'use strict';

const crypto = require('crypto');
const { exec, execFile } = require('child_process');
const express = require('express');
const rateLimit = require('express-rate-limit');
const bcrypt = require('bcrypt');
const escapeHtml = require('escape-html');
const { Pool } = require('pg');
const { requireOrganiser, issueOrganiserSession } = require('./organisers');
const { requireSelf } = require('./players');

const ANTI_CHEAT_KEY = process.env.ANTI_CHEAT_KEY || '5be81f0c9a2d47e3b6c1f09d8a7e2c44'; // expect: JS-SECRET-001
const SORT_COLUMNS = { score: 'score', time: 'best_time_ms', recent: 'submitted_at' };

const pool = new Pool({ connectionString: process.env.DATABASE_URL, ssl: { rejectUnauthorized: false }, max: 20 }); // expect: JS-TLS-001

const app = express(); // expect: JS-HEADERS-001
app.use(express.json({ limit: '32kb' }));

const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10, standardHeaders: true });
const submitLimiter = rateLimit({ windowMs: 60 * 1000, limit: 30 });

function scoreSignature(body) {
  return crypto.createHmac('sha256', ANTI_CHEAT_KEY)
    .update(`${body.playerId}:${body.boardId}:${body.score}:${body.nonce}`)
    .digest('hex');
}

app.post('/scores', submitLimiter, async (req, res) => {
  const expected = Buffer.from(scoreSignature(req.body), 'hex');
  const given = Buffer.from(String(req.get('x-score-signature') || ''), 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) { // ok: JS-TIMING-001
    return res.status(401).json({ error: 'bad signature' });
  }
  await pool.query(
    'INSERT INTO scores (player_id, board_id, score, nonce) VALUES ($1, $2, $3, $4) ON CONFLICT (nonce) DO NOTHING', // ok: JS-SQLI-001
    [req.body.playerId, req.body.boardId, Number(req.body.score), String(req.body.nonce)]
  );
  res.status(202).end();
});

app.post('/scores/legacy', submitLimiter, async (req, res) => {
  if (req.body.signature !== scoreSignature(req.body)) { // expect: JS-TIMING-001
    return res.status(401).json({ error: 'bad signature' });
  }
  await pool.query(`INSERT INTO scores (player_id, board_id, score) VALUES ('${req.body.playerId}', ${req.body.boardId}, ${req.body.score})`); // expect: JS-SQLI-001
  res.status(202).end();
});

app.get('/boards/:boardId', async (req, res) => {
  const column = SORT_COLUMNS[req.query.sort] || 'score';
  const { rows } = await pool.query(
    `SELECT player_name, ${column} AS value FROM scores WHERE board_id = $1 ORDER BY ${column} DESC LIMIT 100`, // ok: JS-SQLI-001
    [req.params.boardId]
  );
  res.json(rows);
});

app.get('/boards/:boardId/around', async (req, res) => {
  const region = req.query.region || 'global';
  const sql = "SELECT player_name, score FROM scores WHERE board_id = $1 AND region = '" + region + "' ORDER BY score DESC";
  const { rows } = await pool.query(sql, [req.params.boardId]); // expect: JS-SQLI-001
  res.json(rows);
});

app.post('/players/:id/name', requireSelf, async (req, res) => {
  const name = String(req.body.displayName || '');
  if (!/^([A-Za-z0-9]+[ _-]?)+$/.test(name) || name.length > 24) { // expect: JS-REDOS-002
    return res.status(400).json({ error: 'invalid display name' });
  }
  await pool.query('UPDATE players SET display_name = $1 WHERE id = $2', [name, req.params.id]);
  res.json({ ok: true });
});

app.get('/players/card', async (req, res) => {
  const { rows } = await pool.query('SELECT display_name, best_rank FROM players WHERE id = $1', [req.query.id]);
  if (rows.length === 0) {
    return res.status(404).send(`<p>No player with id ${req.query.id}</p>`); // expect: JS-XSS-002
  }
  res.send(`<h2>${escapeHtml(rows[0].display_name)}</h2><p>Best rank: ${Number(rows[0].best_rank)}</p>`); // ok: JS-XSS-002
});

app.post('/players/:id/badge', requireSelf, async (req, res) => {
  const label = String(req.body.label || 'Champion');
  exec(`convert assets/badge.png -gravity center -annotate 0 "${label}" badges/${req.params.id}.png`, (err) => { // expect: JS-CMDI-001
    if (err) return res.status(500).json({ error: 'badge failed' });
    res.json({ url: `/badges/${req.params.id}.png` });
  });
});

app.post('/players/:id/avatar-frame', requireSelf, async (req, res) => {
  const frame = ['gold', 'silver', 'bronze'].includes(req.body.frame) ? req.body.frame : 'bronze';
  execFile('convert', [`avatars/${Number(req.params.id)}.png`, `assets/frame-${frame}.png`, '-composite', '-'], // ok: JS-CMDI-001
    { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      if (err) return res.status(500).json({ error: 'frame failed' });
      res.type('png').send(stdout);
    });
});

app.post('/tournaments/:id/invites', requireOrganiser, async (req, res) => {
  const code = Math.random().toString(36).slice(2, 10).toUpperCase(); // expect: JS-RAND-001
  await pool.query('INSERT INTO invites (tournament_id, code) VALUES ($1, $2)', [req.params.id, code]);
  res.status(201).json({ code });
});

app.post('/tournaments/:id/seed-bots', requireOrganiser, async (req, res) => {
  const bots = Array.from({ length: 8 }, (_, i) => ({ name: `bot-${i + 1}`, skill: 800 + Math.floor(Math.random() * 400) })); // ok: JS-RAND-001
  res.json({ bots });
});

app.post('/organisers/login', loginLimiter, async (req, res) => { // ok: JS-RATE-001
  const { rows } = await pool.query('SELECT id, password_hash FROM organisers WHERE email = $1', [String(req.body.email)]);
  if (rows.length === 0) {
    return res.status(404).json({ error: 'No organiser account for this email' }); // expect: JS-ENUM-001
  }
  if (!(await bcrypt.compare(String(req.body.password), rows[0].password_hash))) {
    return res.status(401).json({ error: 'Wrong password' }); // expect: JS-ENUM-001
  }
  await issueOrganiserSession(res, rows[0].id);
  res.json({ ok: true });
});

app.listen(Number(process.env.PORT) || 8080);
