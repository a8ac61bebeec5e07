// Photo-sharing server (Express + multer + Handlebars).
//
// Members upload photos and zipped albums, attach GPX tracks, customise the layout of their public album pages
// and share private albums by link. Attacker data: uploaded files (names, EXIF, zip entry names, GPX XML), form
// fields and query strings, and the album layout HTML that any member can save.

'use strict';

const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const path = require('path');
const { exec, execFile } = require('child_process');
const express = require('express');
const helmet = require('helmet');
const multer = require('multer');
const serveIndex = require('serve-index');
const AdmZip = require('adm-zip');
const Handlebars = require('handlebars');
const libxmljs = require('libxmljs2');
const axios = require('axios');
const { albums } = require('./store');
const { requireMember } = require('./auth');

const UPLOAD_DIR = path.resolve(process.env.PHOTO_UPLOAD_DIR || '/srv/photos/uploads');
const ALBUM_KEY = Buffer.from(process.env.ALBUM_KEY_HEX, 'hex');
const upload = multer({ dest: '/srv/photos/incoming', limits: { fileSize: 40 * 1024 * 1024 } });

const app = express();  // ok: JS-HEADERS-001
app.use(helmet({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", "'unsafe-inline'"] } } }));  // expect: JS-HEADERS-002
app.set('view engine', 'hbs');
app.use(express.urlencoded({ extended: false, limit: '200kb' }));
app.use(['/photos', '/albums'], requireMember);
app.use('/browse', express.static(UPLOAD_DIR), serveIndex(UPLOAD_DIR, { icons: true }));  // expect: JS-LISTING-001
app.use('/assets', express.static(path.join(__dirname, 'public'), { dotfiles: 'ignore', index: false }));  // ok: JS-LISTING-001

const albumPage = Handlebars.compile(fs.readFileSync(path.join(__dirname, 'templates/album.hbs'), 'utf8'));  // ok: JS-SSTI-001
const captionCard = Handlebars.compile('<figure>{{photo}}<figcaption>{{caption}}</figcaption></figure>', { noEscape: true });  // expect: JS-XSS-003
const cdnAgent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });  // expect: JS-TLS-001

function sealAlbumLink(albumId) {
  const cipher = crypto.createCipheriv('aes-256-cbc', ALBUM_KEY, Buffer.alloc(16, 0));  // expect: JS-CRYPTO-001
  return Buffer.concat([cipher.update(String(albumId)), cipher.final()]).toString('base64url');
}

function sealDownloadTicket(photoId) {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', ALBUM_KEY, iv);  // ok: JS-CRYPTO-001
  const body = Buffer.concat([cipher.update(String(photoId)), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

app.post('/photos', upload.single('photo'), (req, res) => {
  const caption = req.body.caption || '';
  exec(`exiftool -overwrite_original -Title="${caption}" ${req.file.path}`, (err) => {  // expect: JS-CMDI-001
    if (err) return res.status(500).json({ error: 'could not tag photo' });
    execFile('exiftool', ['-json', '-GPSLatitude', '-GPSLongitude', req.file.path], (e2, stdout) => {  // ok: JS-CMDI-001
      const fingerprint = crypto.createHash('md5').update(fs.readFileSync(req.file.path)).digest('hex');  // ok: JS-HASH-001
      res.json({ id: path.basename(req.file.path), fingerprint, exif: e2 ? null : JSON.parse(stdout)[0] });
    });
  });
});

app.post('/albums/:albumId/zip', upload.single('archive'), (req, res) => {
  const albumDir = path.join(UPLOAD_DIR, String(req.member.id), req.params.albumId.replace(/[^a-z0-9-]/gi, ''));
  const zip = new AdmZip(req.file.path);
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory) continue;
    fs.writeFileSync(path.join(albumDir, entry.entryName), entry.getData());  // expect: JS-ZIPSLIP-001
  }
  res.json({ imported: zip.getEntries().length });
});

app.post('/albums/:albumId/zip-v2', upload.single('archive'), (req, res) => {
  const albumDir = path.join(UPLOAD_DIR, String(req.member.id), req.params.albumId.replace(/[^a-z0-9-]/gi, ''));
  let imported = 0;
  for (const entry of new AdmZip(req.file.path).getEntries()) {
    const target = path.resolve(albumDir, entry.entryName);
    if (entry.isDirectory || !target.startsWith(albumDir + path.sep)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.getData());  // ok: JS-ZIPSLIP-001
    imported += 1;
  }
  res.json({ imported });
});

app.post('/photos/:id/track', upload.single('gpx'), (req, res) => {
  const doc = libxmljs.parseXml(fs.readFileSync(req.file.path, 'utf8'), { noent: true, nonet: false });  // expect: JS-XXE-001
  const points = doc.find('//*[local-name()="trkpt"]').map((p) => [p.attr('lat').value(), p.attr('lon').value()]);
  res.json({ points: points.length });
});

app.get('/u/:owner/original', (req, res) => {
  res.sendFile(path.join(UPLOAD_DIR, req.params.owner, req.query.file));  // expect: JS-PATH-001
});

app.get('/u/:owner/thumb', (req, res) => {
  const root = path.join(UPLOAD_DIR, req.params.owner.replace(/[^a-z0-9_-]/gi, ''), 'thumbs');
  res.sendFile(path.basename(String(req.query.file || '')), { root });  // ok: JS-PATH-001
});

app.get('/a/:albumId', (req, res) => {
  const album = albums.get(req.params.albumId);
  if (!album) return res.sendStatus(404);
  if (album.customLayout) {
    const layout = Handlebars.compile(album.customLayout);  // expect: JS-SSTI-001
    return res.send(layout({ album }));
  }
  res.send(albumPage({ album, cards: album.photos.map((p) => captionCard({ photo: p.imgTag, caption: p.caption })) }));
});

app.get('/a/:albumId/print', (req, res) => {
  res.render(req.query.style || 'print-grid', { album: albums.get(req.params.albumId) });  // expect: JS-LOAD-001
});

app.post('/a/:albumId/share', requireMember, (req, res) => {
  res.json({ link: `/s/${sealAlbumLink(req.params.albumId)}`, download: `/d/${sealDownloadTicket(req.params.albumId)}` });
});

app.post('/a/:albumId/purge-cdn', requireMember, async (req, res) => {
  await axios.post('https://cdn-admin.internal.example/purge', { prefix: `/a/${encodeURIComponent(req.params.albumId)}` }, { httpsAgent: cdnAgent });
  res.sendStatus(202);
});

app.listen(8080);
