// Veterinary clinic back end (Express + knex + express-session).
//
// Pet records, appointment reminders, lab results, X-ray images, treatment protocols and the pet owners' portal.
// Attacker data: the owners' portal (pet names, notes, query strings, uploaded protocol files from partner
// clinics), the lab partner's result callbacks (XML bodies and headers), and image URLs pasted into pet profiles.

import express, { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { execFileSync, execSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import yaml from 'js-yaml';
import libxmljs from 'libxmljs2';
import knexFactory from 'knex';

const db = knexFactory({ client: 'pg', connection: process.env.CLINIC_DATABASE_URL });
const XRAY_DIR = '/srv/clinic/xray';
const labPartner = {
  baseUrl: 'https://results.vetlab.example.com',
  inboundKey: process.env.LAB_INBOUND_KEY ?? '',
  outboundKey: 'e27c9f14b8a05d3316c4a9f0d2b87e61',  // expect: JS-SECRET-001
};
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';  // expect: JS-TLS-001

const app = express();  // ok: JS-HEADERS-001
app.use(helmet());
app.use(express.json({ limit: '1mb' }));
app.use(express.text({ type: ['application/xml', 'text/yaml'], limit: '2mb' }));
app.use(session({ secret: process.env.CLINIC_SESSION_SECRET!, resave: false, saveUninitialized: false, cookie: { secure: false, httpOnly: true } }));  // expect: JS-COOKIE-001

declare module 'express-session' {
  interface SessionData {
    ownerId: number;
    staffId: number;
  }
}

function ownerOnly(req: Request, res: Response, next: NextFunction) {
  if (!req.session.ownerId) return res.sendStatus(401);
  next();
}

function staffOnly(req: Request, res: Response, next: NextFunction) {
  if (!req.session.staffId) return res.sendStatus(401);
  next();
}

app.get('/pets', ownerOnly, async (req, res) => {
  const pets = await db('pets').where({ owner_id: req.session.ownerId }).select('id', 'name', 'species');  // ok: JS-SQLI-001
  res.json(pets);
});

app.get('/staff/pets/search', staffOnly, async (req, res) => {
  const q = String(req.query.q ?? '');
  const species = String(req.query.species ?? 'dog');
  const rows = await db('pets').whereRaw("name ILIKE '%" + q + "%'").andWhere('species', species).limit(50);  // expect: JS-SQLI-001
  res.json(rows);
});

app.get('/staff/appointments', staffOnly, async (req, res) => {
  const day = String(req.query.day ?? new Date().toISOString().slice(0, 10));
  const vet = String(req.query.vet ?? '');
  const sql = 'SELECT a.id, p.name, a.starts_at FROM appointments a JOIN pets p ON p.id = a.pet_id WHERE a.day = ? AND a.vet = ?';
  const { rows } = await db.raw(sql, [day, vet]);  // ok: JS-SQLI-001
  const { rows: overdue } = await db.raw(`SELECT id FROM invoices WHERE vet = '${vet}' AND paid = false`);  // expect: JS-SQLI-001
  res.json({ appointments: rows, overdueInvoices: overdue.length });
});

app.post('/reminders/:appointmentId/send', staffOnly, async (req, res) => {
  const appt = await db('appointments').join('pets', 'pets.id', 'appointments.pet_id').join('owners', 'owners.id', 'pets.owner_id')
    .where('appointments.id', req.params.appointmentId).first('owners.phone', 'pets.name as pet', 'appointments.starts_at');
  const text = `Reminder: ${appt.pet} is booked in on ${new Date(appt.starts_at).toLocaleString('en-GB')}`;
  execFileSync('/usr/local/bin/sms-cli', ['send', '--to', appt.phone, '--text', text]);  // ok: JS-CMDI-001
  res.sendStatus(202);
});

app.post('/reminders/bulk', staffOnly, async (req, res) => {
  const { clinicName, day } = req.body;
  const count = execSync(`/usr/local/bin/sms-cli batch --day ${day} --signature "${clinicName}"`).toString();  // expect: JS-CMDI-001
  res.json({ queued: Number(count.trim()) });
});

app.post('/lab/results', (req, res) => {
  if (req.get('x-lab-key') === labPartner.inboundKey) {  // expect: JS-TIMING-001
    const doc = libxmljs.parseXml(req.body, { noent: true });  // expect: JS-XXE-001
    const petId = doc.get('//result/@petId')?.toString() ?? '';
    console.log('lab result received for pet ' + petId + ' from ' + req.get('x-lab-site'));  // expect: JS-LOG-001
    return res.sendStatus(204);
  }
  res.sendStatus(401);
});

app.post('/lab/results/preview', staffOnly, (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: false, nonet: true });  // ok: JS-XXE-001
  res.json({ analytes: doc.find('//analyte').length });
});

app.post('/protocols/import', staffOnly, (req, res) => {
  const protocol = yaml.load(req.body, { schema: yaml.DEFAULT_FULL_SCHEMA });  // expect: JS-DESER-001
  res.json({ steps: Array.isArray((protocol as any).steps) ? (protocol as any).steps.length : 0 });
});

app.get('/protocols/defaults', staffOnly, (_req, res) => {
  const defaults = yaml.load(fs.readFileSync('/etc/clinic/protocol-defaults.yml', 'utf8'));  // ok: JS-DESER-001
  res.json(defaults);
});

async function ownPet(req: Request, res: Response, next: NextFunction) {
  const pet = await db('pets').where({ id: Number(req.params.petId), owner_id: req.session.ownerId }).first('id');
  return pet ? next() : res.sendStatus(404);
}

app.get('/pets/:petId/xray', ownerOnly, ownPet, (req, res) => {
  const image = String(req.query.image ?? '');
  fs.createReadStream(path.join(XRAY_DIR, req.params.petId, image)).pipe(res.type('image/png'));  // expect: JS-PATH-001
});

app.get('/pets/:petId/xray/list', ownerOnly, ownPet, async (req, res) => {
  const dir = path.join(XRAY_DIR, String(Number.parseInt(req.params.petId, 10)));
  res.json(fs.readdirSync(dir).filter((f) => f.endsWith('.png')));  // ok: JS-PATH-001
});

app.get('/pets/:petId/avatar', ownerOnly, async (req, res) => {
  const pet = await db('pets').where({ id: req.params.petId, owner_id: req.session.ownerId }).first('avatar_url');
  const upstream = await fetch(String(req.query.src ?? pet?.avatar_url));  // expect: JS-SSRF-001
  res.type(upstream.headers.get('content-type') ?? 'image/jpeg').send(Buffer.from(await upstream.arrayBuffer()));
});

app.get('/lab/orders/:orderId', staffOnly, async (req, res) => {
  const url = `${labPartner.baseUrl}/orders/${encodeURIComponent(req.params.orderId)}`;
  const reply = await fetch(url, { headers: { authorization: `Bearer ${labPartner.outboundKey}` } });  // ok: JS-SSRF-001
  res.status(reply.status).json(await reply.json());
});

app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
  console.error(err);
  res.status(500).json({ error: 'Internal error', reference: Date.now().toString(36) });  // ok: JS-ERRLEAK-001
});

app.listen(Number(process.env.PORT ?? 4000));
