// Document upload service (Express + multer): uploads, zip imports, virus scans, XML metadata and S3 mirroring.
import express, { Request, Response } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import multer from 'multer';
import AdmZip from 'adm-zip';
import path from 'node:path';
import fs from 'node:fs/promises';
import { exec, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import libxmljs from 'libxmljs2';
import { S3Client } from '@aws-sdk/client-s3';

const execFileAsync = promisify(execFile);
const app = express();
app.use(helmet());
app.use(cors({ origin: true, credentials: true })); // expect: JS-CORS-001

const UPLOAD_ROOT = path.resolve(process.env.UPLOAD_ROOT ?? '/data/uploads');
const upload = multer({ dest: '/tmp/incoming', limits: { fileSize: 20 * 1024 * 1024 } });

const s3 = new S3Client({
  region: 'eu-west-1',
  credentials: {
    accessKeyId: 'AKIA4Q7NZ2XKD5HJW3PM', // expect: SEC-TOKEN-001
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
  },
});

function inside(root: string, candidate: string): boolean {
  const resolved = path.resolve(root, candidate);
  return resolved.startsWith(root + path.sep);
}

app.post('/documents', upload.single('file'), async (req: Request, res: Response) => {
  if (!req.file) return res.status(400).json({ error: 'no file' });
  const folder = String(req.body.folder ?? 'inbox');
  const dest = path.join(UPLOAD_ROOT, folder, req.file.originalname);
  await fs.rename(req.file.path, dest); // expect: JS-PATH-001
  res.status(201).json({ stored: path.relative(UPLOAD_ROOT, dest) });
});

app.post('/documents/v2', upload.single('file'), async (req: Request, res: Response) => {
  if (!req.file) return res.status(400).json({ error: 'no file' });
  const name = path.basename(req.file.originalname).replace(/[^\w.-]/g, '_');
  const dest = path.join(UPLOAD_ROOT, 'inbox', name);
  await fs.rename(req.file.path, dest); // ok: JS-PATH-001
  res.status(201).json({ stored: name });
});

app.post('/documents/import', upload.single('archive'), async (req: Request, res: Response) => {
  if (!req.file) return res.status(400).json({ error: 'no archive' });
  const zip = new AdmZip(req.file.path);
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory) continue;
    await fs.writeFile(path.join(UPLOAD_ROOT, 'imports', entry.entryName), entry.getData()); // expect: JS-ZIPSLIP-001
  }
  res.json({ imported: zip.getEntries().length });
});

app.post('/documents/import-checked', upload.single('archive'), async (req: Request, res: Response) => {
  if (!req.file) return res.status(400).json({ error: 'no archive' });
  const root = path.join(UPLOAD_ROOT, 'imports');
  const zip = new AdmZip(req.file.path);
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory || !inside(root, entry.entryName)) continue;
    await fs.writeFile(path.resolve(root, entry.entryName), entry.getData()); // ok: JS-ZIPSLIP-001
  }
  res.json({ ok: true });
});

app.post('/documents/:id/scan', async (req: Request, res: Response) => {
  const target = `${UPLOAD_ROOT}/inbox/${req.body.name}`;
  exec(`clamscan --no-summary ${target}`, (err, stdout) => { // expect: JS-CMDI-001
    res.json({ clean: !err, report: stdout });
  });
});

app.post('/documents/:id/scan-v2', async (req: Request, res: Response) => {
  const name = path.basename(String(req.body.name ?? ''));
  const { stdout } = await execFileAsync('clamscan', ['--no-summary', path.join(UPLOAD_ROOT, 'inbox', name)]); // ok: JS-CMDI-001
  res.json({ report: stdout });
});

app.post('/documents/metadata', express.text({ type: 'application/xml' }), (req: Request, res: Response) => {
  const doc = libxmljs.parseXml(req.body, { noent: true, nonet: false }); // expect: JS-XXE-001
  res.json({ title: doc.get('//title')?.text() ?? null });
});

app.post('/documents/metadata-v2', express.text({ type: 'application/xml' }), (req: Request, res: Response) => {
  const doc = libxmljs.parseXml(req.body, { noent: false, nonet: true }); // ok: JS-XXE-001
  res.json({ title: doc.get('//title')?.text() ?? null });
});

export { app, s3 };
