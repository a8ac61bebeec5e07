// Team chat service: rooms, message history, search, link unfurling and abuse reports.
// Express + socket.io + Mongoose. Sessions are JWTs issued by the accounts service.
'use strict';

const http = require('http');
const path = require('path');
const fs = require('fs');
const express = require('express');
const helmet = require('helmet');
const cors = require('cors');
const axios = require('axios');
const jwt = require('jsonwebtoken');
const pino = require('pino');
const Handlebars = require('handlebars');
const escapeRegExp = require('lodash/escapeRegExp');
const { Server } = require('socket.io');
const { Message, Room, Report } = require('./models');
const { requireUser, requireRoomMember } = require('./auth');

const logger = pino({ level: process.env.LOG_LEVEL || 'info' });
const JWT_PUBLIC_KEY = fs.readFileSync(process.env.CHAT_JWT_PUBLIC_KEY_FILE, 'utf8');
const ATTACHMENT_DIR = path.resolve(process.env.ATTACHMENT_DIR || '/var/lib/chat/attachments');
const EXPORT_DIR = '/var/lib/chat/exports';
const ALLOWED_ORIGINS = ['https://chat.example.com', 'https://admin.chat.example.com'];

const app = express(); // ok: JS-HEADERS-001
app.use(helmet());
app.use(express.json({ limit: '256kb' }));
app.use(cors({ origin: true, credentials: true })); // expect: JS-CORS-001

const DIGEST_TEMPLATE = path.join(__dirname, 'templates', 'digest.hbs');
const digestTemplate = Handlebars.compile(fs.readFileSync(DIGEST_TEMPLATE, 'utf8'), { noEscape: true }); // expect: JS-XSS-003

app.get('/rooms/:roomId/messages', requireRoomMember, async (req, res) => {
  const filter = { roomId: req.params.roomId, ...req.query };
  const messages = await Message.find(filter).sort({ createdAt: -1 }).limit(100); // expect: JS-NOSQL-001
  res.json(messages);
});

app.get('/rooms/:roomId/pinned', requireRoomMember, async (req, res) => {
  const pinned = await Message.find({ roomId: String(req.params.roomId), pinned: true }).limit(50); // ok: JS-NOSQL-001
  res.json(pinned);
});

app.get('/rooms/:roomId/search', requireRoomMember, async (req, res) => {
  const term = String(req.query.q || '').slice(0, 100);
  const pattern = new RegExp(escapeRegExp(term), 'i'); // ok: JS-REDOS-001
  const hits = await Message.find({ roomId: String(req.params.roomId), text: pattern }).limit(50);
  res.json(hits);
});

app.get('/rooms/:roomId/highlight', requireRoomMember, async (req, res) => {
  const latest = await Message.find({ roomId: String(req.params.roomId) }).sort({ createdAt: -1 }).limit(200);
  const matcher = new RegExp(req.query.pattern, 'gi'); // expect: JS-REDOS-001
  res.json(latest.filter((m) => matcher.test(m.text)).map((m) => m.id));
});

app.get('/mentions', requireUser, async (req, res) => {
  const handle = req.query.handle || req.user.handle;
  const mentions = await Message.find({ roomId: { $in: req.user.roomIds }, $where: "this.text.indexOf('@" + handle + "') !== -1" }); // expect: JS-NOSQL-001
  res.json(mentions);
});

app.post('/unfurl', requireUser, async (req, res) => {
  try {
    const page = await axios.get(req.body.url, { timeout: 4000, maxContentLength: 512 * 1024 }); // expect: JS-SSRF-001
    const title = /<title>([^<]*)<\/title>/i.exec(page.data);
    res.json({ url: req.body.url, title: title ? title[1] : null });
  } catch (err) {
    res.status(502).json({ error: err.message, stack: err.stack }); // expect: JS-ERRLEAK-001
  }
});

app.get('/attachments/:name', requireUser, (req, res) => {
  res.sendFile(req.params.name, { root: ATTACHMENT_DIR, dotfiles: 'deny' }); // ok: JS-PATH-001
});

app.get('/exports/download', requireUser, (req, res) => {
  const stream = fs.createReadStream(path.join(EXPORT_DIR, req.query.file)); // expect: JS-PATH-001
  stream.on('error', () => res.status(404).end());
  stream.pipe(res);
});

app.post('/reports', requireUser, async (req, res) => {
  console.warn('abuse report from ' + req.user.id + ': ' + req.body.reason); // expect: JS-LOG-001
  const report = await Report.create({
    reporter: req.user.id,
    messageId: String(req.body.messageId),
    reason: String(req.body.reason).slice(0, 2000),
  });
  logger.info({ reportId: report.id, messageId: report.messageId }, 'abuse report stored'); // ok: JS-LOG-001
  res.status(201).json({ id: report.id });
});

app.get('/digest/preview', requireUser, async (req, res) => {
  const rooms = await Room.find({ members: req.user.id }).limit(20);
  const recent = await Message.find({ roomId: { $in: rooms.map((r) => r.id) } }).sort({ createdAt: -1 }).limit(30);
  res.type('html').send(digestTemplate({ user: req.user, messages: recent }));
});

const server = http.createServer(app);
const io = new Server(server, { cors: { origin: ALLOWED_ORIGINS, credentials: true } }); // ok: JS-CORS-001

io.use((socket, next) => {
  try {
    socket.user = jwt.verify(socket.handshake.auth.token, JWT_PUBLIC_KEY, { algorithms: ['RS256'] }); // ok: JS-JWT-002
    next();
  } catch (err) {
    next(new Error('unauthorised'));
  }
});

io.on('connection', (socket) => {
  socket.on('join', async (roomId) => {
    const room = await Room.findOne({ _id: String(roomId), members: socket.user.sub });
    if (!room) return socket.emit('error', 'no such room');
    socket.join(room.id);
    logger.info({ room: room.id, user: socket.user.sub }, 'joined room');
  });

  socket.on('message', async ({ roomId, text }) => {
    if (!socket.rooms.has(String(roomId))) return;
    const saved = await Message.create({ roomId: String(roomId), author: socket.user.sub, text: String(text).slice(0, 4000) });
    io.to(saved.roomId).emit('message', { id: saved.id, author: saved.author, text: saved.text });
  });
});

server.listen(Number(process.env.PORT) || 3000);
