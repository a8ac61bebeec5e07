// Orders service: search, invoice thumbnails, receipts and a public order-status page.
'use strict';

const express = require('express');
const helmet = require('helmet');
const mysql = require('mysql2/promise');
const path = require('path');
const fs = require('fs/promises');
const { exec, execFile } = require('child_process');
const escapeHtml = require('escape-html');

const app = express();
app.use(helmet());
app.use(express.json({ limit: '1mb' }));

const pool = mysql.createPool({
  host: process.env.DB_HOST,
  user: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
  database: 'shop',
});

const RECEIPTS_DIR = path.resolve(process.env.RECEIPTS_DIR || '/var/lib/shop/receipts');
const THUMBS_DIR = path.resolve(process.env.THUMBS_DIR || '/var/lib/shop/thumbs');

app.get('/api/orders', async (req, res, next) => {
  try {
    const { status = 'open', sort = 'created_at' } = req.query;
    const sql = `SELECT id, total, status FROM orders WHERE status = '${status}' ORDER BY ${sort} DESC LIMIT 50`;
    const [rows] = await pool.query(sql); // expect: JS-SQLI-001
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

app.get('/api/orders/:id', async (req, res, next) => {
  try {
    const [rows] = await pool.execute('SELECT id, total, status FROM orders WHERE id = ?', [req.params.id]); // ok: JS-SQLI-001
    if (rows.length === 0) return res.status(404).json({ error: 'not found' });
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.post('/api/orders/:id/thumbnail', async (req, res) => {
  const { image, width } = req.body;
  exec(`convert uploads/${image} -resize ${width}x thumbs/${req.params.id}.png`, (err) => { // expect: JS-CMDI-001
    if (err) return res.status(500).json({ error: 'conversion failed' });
    res.json({ ok: true });
  });
});

app.post('/api/orders/:id/thumbnail-v2', async (req, res) => {
  const width = String(parseInt(req.body.width, 10) || 200);
  const source = path.join(THUMBS_DIR, 'src', `${Number(req.params.id)}.png`);
  execFile('convert', [source, '-resize', `${width}x`, path.join(THUMBS_DIR, `${Number(req.params.id)}.png`)], (err) => { // ok: JS-CMDI-001
    if (err) return res.status(500).json({ error: 'conversion failed' });
    res.json({ ok: true });
  });
});

app.get('/receipts/:file', (req, res) => {
  res.sendFile(path.join(RECEIPTS_DIR, req.params.file)); // expect: JS-PATH-001
});

app.get('/receipts/v2/:file', async (req, res) => {
  const target = path.resolve(RECEIPTS_DIR, path.basename(req.params.file));
  if (!target.startsWith(RECEIPTS_DIR + path.sep)) return res.status(400).end();
  const pdf = await fs.readFile(target); // ok: JS-PATH-001
  res.type('application/pdf').send(pdf);
});

app.get('/status', (req, res) => {
  const ref = req.query.ref || '';
  res.send(`<html><body><h1>Order ${ref}</h1><p>We are looking up your order.</p></body></html>`); // expect: JS-XSS-002
});

app.get('/status/v2', (req, res) => {
  const ref = escapeHtml(String(req.query.ref || ''));
  res.send(`<html><body><h1>Order ${ref}</h1></body></html>`); // ok: JS-XSS-002
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).json({ error: err.message, stack: err.stack }); // expect: JS-ERRLEAK-001
});

app.listen(process.env.PORT || 3000);
