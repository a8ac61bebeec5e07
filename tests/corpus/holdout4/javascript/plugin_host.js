// Extension host for the reporting app: installs plug-in bundles (zip), loads them, stores their settings,
// runs their hooks and previews their templates. Only workspace admins reach /admin (see requireAdmin).
'use strict';

const fs = require('fs');
const path = require('path');
const vm = require('vm');
const express = require('express');
const helmet = require('helmet');
const ejs = require('ejs');
const yaml = require('js-yaml');
const AdmZip = require('adm-zip');
const multer = require('multer');
const { requireAdmin, requireUser } = require('./session');

const PLUGIN_ROOT = path.resolve(process.env.PLUGIN_ROOT || '/opt/reports/plugins');
const VIEWS = path.join(__dirname, 'views');
const MARKETPLACE = 'https://plugins.example.com/api/v1';
const BUILTIN_EXPORTERS = { csv: './exporters/csv', xlsx: './exporters/xlsx', pdf: './exporters/pdf' };
const upload = multer({ dest: '/tmp/plugin-uploads', limits: { fileSize: 20 * 1024 * 1024 } });

const app = express(); // ok: JS-HEADERS-001
app.use(helmet({ contentSecurityPolicy: false })); // expect: JS-HEADERS-002
app.use(express.json({ limit: '1mb' }));
app.use('/plugin-assets', express.static(PLUGIN_ROOT, { dotfiles: 'allow' })); // expect: JS-LISTING-001
app.use('/static', express.static(path.join(__dirname, 'public'))); // ok: JS-LISTING-001

const settingsStore = new Map();

function deepMerge(target, source) { // expect: JS-PROTO-001
  for (const key of Object.keys(source)) {
    if (source[key] && typeof source[key] === 'object' && !Array.isArray(source[key])) {
      if (!target[key]) target[key] = {};
      deepMerge(target[key], source[key]);
    } else {
      target[key] = source[key];
    }
  }
  return target;
}

function mergeDefaults(target, source) { // ok: JS-PROTO-001
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const value = source[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      target[key] = mergeDefaults(Object.hasOwn(target, key) ? target[key] : Object.create(null), value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

function readManifest(dir) {
  const text = fs.readFileSync(path.join(dir, 'plugin.yml'), 'utf8');
  return yaml.load(text, { schema: yaml.DEFAULT_FULL_SCHEMA }); // expect: JS-DESER-001
}

function readLockfile() {
  return yaml.load(fs.readFileSync(path.join(PLUGIN_ROOT, 'installed.yml'), 'utf8'), { schema: yaml.JSON_SCHEMA }); // ok: JS-DESER-001
}

app.post('/admin/plugins', requireAdmin, upload.single('bundle'), (req, res) => {
  const name = path.basename(req.file.originalname, '.zip').replace(/[^a-z0-9-]/gi, '');
  const dest = path.join(PLUGIN_ROOT, name);
  const zip = new AdmZip(req.file.path);
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory) continue;
    const target = path.join(dest, entry.entryName);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.getData()); // expect: JS-ZIPSLIP-001
  }
  res.status(201).json({ installed: name, manifest: readManifest(dest) });
});

app.post('/admin/plugins/:name/assets', requireAdmin, upload.single('bundle'), (req, res) => {
  const dest = path.join(PLUGIN_ROOT, path.basename(req.params.name), 'assets');
  const zip = new AdmZip(req.file.path);
  for (const entry of zip.getEntries()) {
    const target = path.resolve(dest, entry.entryName);
    if (!target.startsWith(dest + path.sep) || entry.isDirectory) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.getData()); // ok: JS-ZIPSLIP-001
  }
  res.status(201).json({ ok: true });
});

app.post('/admin/plugins/fetch', requireAdmin, async (req, res) => {
  const listing = await fetch(`${MARKETPLACE}/plugins/${encodeURIComponent(req.body.slug)}`); // ok: JS-SSRF-001
  const meta = await listing.json();
  const bundle = await fetch(req.body.mirrorUrl || meta.downloadUrl); // expect: JS-SSRF-001
  res.json({ slug: meta.slug, size: Number(bundle.headers.get('content-length')) });
});

app.get('/reports/export/:format', requireUser, (req, res) => {
  const exporter = BUILTIN_EXPORTERS[req.params.format];
  if (!exporter) return res.status(404).json({ error: 'unknown format' });
  require(exporter)(req, res); // ok: JS-LOAD-001
});

app.get('/reports/plugin/:name', requireUser, (req, res) => {
  const plugin = require(`${PLUGIN_ROOT}/${req.params.name}/index.js`); // expect: JS-LOAD-001
  plugin.render(req, res);
});

app.put('/admin/plugins/:name/settings', requireAdmin, (req, res) => {
  const current = settingsStore.get(req.params.name) || {};
  settingsStore.set(req.params.name, deepMerge(current, req.body));
  res.json(settingsStore.get(req.params.name));
});

app.put('/admin/plugins/:name/defaults', requireAdmin, (req, res) => {
  res.json(mergeDefaults(Object.create(null), req.body));
});

app.post('/admin/plugins/:name/hooks/test', requireAdmin, (req, res) => {
  const sandbox = { row: req.body.sampleRow || {}, result: undefined };
  vm.runInNewContext(`result = (${req.body.hook})(row)`, sandbox, { timeout: 50 }); // expect: JS-EVAL-001
  res.json({ result: sandbox.result });
});

app.post('/admin/plugins/:name/template-preview', requireAdmin, async (req, res) => {
  const html = ejs.render(req.body.template, { report: req.body.sample || {} }); // expect: JS-SSTI-001
  res.type('html').send(html);
});

app.get('/admin/plugins/:name/readme', requireAdmin, async (req, res) => {
  const html = await ejs.renderFile(path.join(VIEWS, 'plugin-readme.ejs'), { name: req.params.name }); // ok: JS-SSTI-001
  res.type('html').send(html);
});

app.get('/admin/plugins', requireAdmin, (req, res) => {
  res.json(readLockfile());
});

app.listen(Number(process.env.PORT) || 4100);
