// Link previews and saved filters for the dashboard: fetches page metadata, stores user filter presets.
const express = require('express');
const axios = require('axios');
const cookieParser = require('cookie-parser');
const serialize = require('node-serialize');
const { MongoClient } = require('mongodb');
const pino = require('pino');
const helmet = require('helmet');

const logger = pino();
const app = express();
app.use(helmet());
app.use(express.json());
app.use(cookieParser());

const client = new MongoClient(process.env.MONGO_URL);
const db = client.db('dashboard');

const PREVIEW_HOSTS = new Set(['github.com', 'gitlab.com', 'www.youtube.com']);

app.get('/api/preview', async (req, res) => {
  const url = req.query.url;
  console.log(`preview requested for ${url}`); // expect: JS-LOG-001
  try {
    const page = await axios.get(url, { timeout: 5000, maxContentLength: 2_000_000 }); // expect: JS-SSRF-001
    const title = /<title>([^<]*)<\/title>/i.exec(page.data);
    res.json({ url, title: title ? title[1] : null });
  } catch (e) {
    res.status(502).json({ error: 'could not fetch preview' });
  }
});

app.get('/api/preview/trusted', async (req, res) => {
  let target;
  try {
    target = new URL(String(req.query.url));
  } catch (e) {
    return res.status(400).json({ error: 'bad url' });
  }
  if (target.protocol !== 'https:' || !PREVIEW_HOSTS.has(target.hostname)) {
    return res.status(400).json({ error: 'host not allowed' });
  }
  logger.info({ host: target.hostname }, 'trusted preview'); // ok: JS-LOG-001
  const page = await axios.get(target.toString(), { timeout: 5000, maxRedirects: 0 }); // ok: JS-SSRF-001
  res.json({ status: page.status });
});

app.get('/api/filters', async (req, res) => {
  const prefs = req.cookies.prefs ? serialize.unserialize(req.cookies.prefs) : {}; // expect: JS-DESER-001
  const filters = await db.collection('filters').find(req.query.where || {}).limit(20).toArray(); // expect: JS-NOSQL-001
  res.json({ prefs, filters });
});

app.get('/api/filters/by-owner', async (req, res) => {
  const owner = String(req.query.owner || '');
  const filters = await db.collection('filters').find({ owner }).limit(20).toArray(); // ok: JS-NOSQL-001
  res.json(filters);
});

app.post('/api/filters/prefs', (req, res) => {
  const prefs = { columns: Array.isArray(req.body.columns) ? req.body.columns.map(String) : [] };
  res.cookie('prefs', JSON.stringify(prefs), { httpOnly: true, secure: true, sameSite: 'lax' }); // ok: JS-COOKIE-001
  res.json(prefs);
});

app.post('/api/session/resume', async (req, res) => {
  const session = await db.collection('sessions').findOne({ resumeCode: String(req.body.code || '') });
  if (!session) return res.status(404).json({ error: 'unknown code' });
  const safeAgent = String(req.get('user-agent') || '').replace(/[\r\n]/g, ' ');
  logger.info(`session resumed from ${safeAgent}`); // ok: JS-LOG-001
  res.cookie('sid', session.sid); // expect: JS-COOKIE-001
  res.json({ ok: true });
});

client.connect().then(() => app.listen(process.env.PORT || 4000));
