// IoT fleet backend: device provisioning, remote commands over MQTT, telemetry queries and firmware rollout.
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import rateLimit from 'express-rate-limit';
import https from 'https';
import axios from 'axios';
import crypto from 'crypto';
import fs from 'fs/promises';
import path from 'path';
import { exec, execFile } from 'child_process';
import { promisify } from 'util';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';

const execFileAsync = promisify(execFile);
const pool = new Pool({ connectionString: process.env.FLEET_DATABASE_URL, ssl: { ca: process.env.FLEET_DB_CA } });
const BROKER_HOST = process.env.MQTT_HOST ?? 'mqtt.fleet.internal.example';
const CONFIG_DIR = path.resolve('/etc/fleet/device-configs');
const DEVICE_JWT_KEY = process.env.DEVICE_JWT_KEY as string;
const VAULT_KEY = Buffer.from(process.env.FLEET_VAULT_KEY as string, 'hex');
const DEVICE_ID = /^[a-f0-9]{24}$/;

const app = express(); // ok: JS-HEADERS-001
app.use(helmet());
app.use(express.json({ limit: '64kb' }));
const provisionLimiter = rateLimit({ windowMs: 60_000, limit: 20 });

interface DeviceClaims { sub: string; fleet: string }

function deviceAuth(req: Request, res: Response, next: NextFunction) {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  try {
    res.locals.device = jwt.verify(token, DEVICE_JWT_KEY, { algorithms: ['HS256'] }) as DeviceClaims; // ok: JS-JWT-002
    next();
  } catch {
    res.status(401).json({ error: 'invalid device token' });
  }
}

function operatorAuth(req: Request, res: Response, next: NextFunction) {
  const claims = jwt.verify(String(req.headers['x-operator-token']), process.env.OPERATOR_JWT_KEY as string); // expect: JS-JWT-002
  res.locals.operator = claims;
  next();
}

function sealSecret(secret: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', VAULT_KEY, iv); // ok: JS-CRYPTO-001
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((b) => b.toString('base64')).join('.');
}

function legacySeal(secret: string): string {
  const cipher = crypto.createCipheriv('aes-256-cbc', VAULT_KEY, Buffer.alloc(16, 0)); // expect: JS-CRYPTO-001
  return Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]).toString('base64');
}

function obfuscateSerial(serial: string): string {
  const cipher = crypto.createCipheriv('aes-128-ecb', VAULT_KEY.subarray(0, 16), null); // expect: JS-CRYPTO-001
  return Buffer.concat([cipher.update(serial, 'utf8'), cipher.final()]).toString('hex');
}

app.post('/devices/provision', provisionLimiter, async (req: Request, res: Response) => { // ok: JS-RATE-001
  const deviceKey = crypto.randomBytes(32).toString('hex');
  const keyDigest = crypto.createHash('sha256').update(deviceKey).digest('hex'); // ok: JS-HASH-001
  const claimHash = crypto.createHash('md5').update(String(req.body.claimCode)).digest('hex'); // expect: JS-HASH-001
  const { rows } = await pool.query(
    'UPDATE devices SET key_digest = $1, secret_sealed = $2, legacy_secret = $3, serial_token = $4 WHERE claim_hash = $5 RETURNING id',
    [keyDigest, sealSecret(deviceKey), legacySeal(deviceKey), obfuscateSerial(String(req.body.serial)), claimHash],
  );
  if (rows.length === 0) return res.status(404).json({ error: 'unknown claim code' });
  res.status(201).json({ id: rows[0].id, deviceKey });
});

app.post('/devices/:id/commands', operatorAuth, async (req: Request, res: Response) => {
  const topic = `fleet/${req.params.id}/cmd`;
  exec(`mosquitto_pub -h ${BROKER_HOST} -t ${topic} -m '${JSON.stringify(req.body)}'`, (err) => { // expect: JS-CMDI-001
    res.status(err ? 502 : 202).json({ queued: !err });
  });
});

app.post('/devices/:id/reboot', operatorAuth, async (req: Request, res: Response) => {
  if (!DEVICE_ID.test(req.params.id)) return res.status(400).json({ error: 'bad device id' });
  await execFileAsync('mosquitto_pub', ['-h', BROKER_HOST, '-t', `fleet/${req.params.id}/cmd`, '-m', '{"op":"reboot"}']); // ok: JS-CMDI-001
  res.status(202).json({ queued: true });
});

app.get('/devices/:id/telemetry', operatorAuth, async (req: Request, res: Response) => {
  const since = new Date(String(req.query.since ?? Date.now() - 3_600_000));
  const metric = String(req.query.metric ?? 'temperature');
  const { rows } = await pool.query( // expect: JS-SQLI-001
    `SELECT ts, value FROM telemetry WHERE device_id = $1 AND metric = '${metric}' AND ts > $2 ORDER BY ts`,
    [req.params.id, since],
  );
  res.json(rows);
});

app.get('/devices/:id/telemetry/latest', operatorAuth, async (req: Request, res: Response) => {
  const { rows } = await pool.query('SELECT ts, metric, value FROM telemetry WHERE device_id = $1 ORDER BY ts DESC LIMIT 50', [req.params.id]); // ok: JS-SQLI-001
  res.json(rows);
});

app.get('/devices/:id/config', deviceAuth, async (req: Request, res: Response) => {
  if (!DEVICE_ID.test(req.params.id) || req.params.id !== res.locals.device.sub) return res.status(403).end();
  res.type('json').send(await fs.readFile(path.join(CONFIG_DIR, `${req.params.id}.json`), 'utf8')); // ok: JS-PATH-001
});

app.get('/fleets/:fleet/config-template', operatorAuth, async (req: Request, res: Response) => {
  const file = path.join(CONFIG_DIR, 'templates', `${req.params.fleet}.${req.query.format ?? 'json'}`);
  res.type('text').send(await fs.readFile(file, 'utf8')); // expect: JS-PATH-001
});

const firmwareAgent = new https.Agent({ rejectUnauthorized: false }); // expect: JS-TLS-001

app.post('/firmware/rollouts', operatorAuth, async (req: Request, res: Response) => {
  try {
    const image = await axios.get(req.body.imageUrl, { httpsAgent: firmwareAgent, responseType: 'arraybuffer', maxContentLength: 64 * 1024 * 1024 }); // expect: JS-SSRF-001
    const digest = crypto.createHash('sha256').update(image.data).digest('hex');
    await pool.query('INSERT INTO rollouts (fleet, image_digest, url) VALUES ($1, $2, $3)', [req.body.fleet, digest, req.body.imageUrl]);
    res.status(201).json({ digest });
  } catch (err) {
    res.status(500).send((err as Error).stack); // expect: JS-ERRLEAK-001
  }
});

app.listen(Number(process.env.PORT ?? 8443));
