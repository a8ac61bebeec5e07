// Customer portal: sign-in, invoices and PDF text extraction (Express router + node-postgres).
import { execFile } from "node:child_process";
import { createHash, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import escapeHtml from "escape-html";
import { Router, Request, Response, NextFunction } from "express";
import rateLimit from "express-rate-limit";
import jwt from "jsonwebtoken";
import { Pool } from "pg";

import { sendLoginCode } from "./mailer";

const scryptAsync = promisify(scrypt) as (pw: string, salt: string, len: number) => Promise<Buffer>;
const execFileAsync = promisify(execFile);

const pool = new Pool({ connectionString: process.env.PORTAL_DATABASE_URL });
const JWT_PUBLIC_KEY = process.env.PORTAL_JWT_PUBLIC_KEY ?? ""; // ok: JS-SECRET-001
const LEDGER_URL = "https://ledger.internal.example/v2";
const EDITABLE: Record<string, string> = { note: "customer_note", po: "purchase_order", email: "billing_email" };

export const router = Router();
const signInLimiter = rateLimit({ windowMs: 10 * 60 * 1000, max: 8 });

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [salt, hashHex] = stored.split(":");
  const derived = await scryptAsync(password, salt, 64); // ok: JS-HASH-001
  const expected = Buffer.from(hashHex, "hex");
  return expected.length === derived.length && timingSafeEqual(expected, derived); // ok: JS-TIMING-001
}

function requireCustomer(req: Request, res: Response, next: NextFunction) {
  const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
  try {
    res.locals.customer = jwt.verify(token, JWT_PUBLIC_KEY, { algorithms: ["RS256"] }); // ok: JS-JWT-001
    next();
  } catch {
    res.status(401).json({ error: "sign in again" });
  }
}

router.post("/sign-in", signInLimiter, async (req: Request, res: Response) => { // ok: JS-RATE-001
  const email = String(req.body.email ?? "").toLowerCase();
  const { rows } = await pool.query("SELECT id, password_hash FROM customers WHERE email = $1", [email]); // ok: JS-SQLI-001
  const ok = rows.length === 1 && (await passwordMatches(String(req.body.password ?? ""), rows[0].password_hash));
  if (!ok) return res.status(401).json({ error: "Invalid email or password" }); // ok: JS-ENUM-001
  const sessionId = (await pool.query("INSERT INTO sessions (customer_id) VALUES ($1) RETURNING id", [rows[0].id])).rows[0].id;
  res.cookie("portal_sid", sessionId, { httpOnly: true, secure: true, sameSite: "strict", maxAge: 8 * 3600 * 1000 }); // ok: JS-COOKIE-001
  res.json({ ok: true });
});

router.post("/sign-in/code", signInLimiter, async (req: Request, res: Response) => {
  const email = String(req.body.email ?? "").toLowerCase();
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0"); // ok: JS-RAND-001
  const updated = await pool.query("UPDATE customers SET login_code = $1, login_code_at = now() WHERE email = $2", [code, email]);
  if (updated.rowCount === 1) await sendLoginCode(email, code);
  res.json({ message: "If we know that address, a code is on its way." });
});

router.get("/invoices", requireCustomer, async (req: Request, res: Response) => {
  const { rows } = await pool.query(
    "SELECT id, number, total_cents, status FROM invoices WHERE customer_id = $1 ORDER BY issued_at DESC LIMIT 100",
    [res.locals.customer.sub],
  );
  res.json(rows);
});

router.patch("/invoices/:id", requireCustomer, async (req: Request, res: Response) => {
  const fields = Object.keys(req.body).filter((k) => k in EDITABLE);
  if (!fields.length) return res.status(400).json({ error: "nothing to update" });
  const assignments = fields.map((k, i) => `${EDITABLE[k]} = $${i + 1}`);
  const values = fields.map((k) => String(req.body[k]));
  const sql = `UPDATE invoices SET ${assignments.join(", ")} WHERE id = $${values.length + 1} AND customer_id = $${values.length + 2}`;
  await pool.query(sql, [...values, req.params.id, res.locals.customer.sub]); // ok: JS-SQLI-001
  res.redirect(303, `/invoices/${encodeURIComponent(req.params.id)}`); // ok: JS-REDIRECT-001
});

router.get("/invoices/:id/summary", requireCustomer, async (req: Request, res: Response) => {
  const { rows } = await pool.query("SELECT number, customer_note FROM invoices WHERE id = $1 AND customer_id = $2", [
    req.params.id,
    res.locals.customer.sub,
  ]);
  if (!rows.length) return res.status(404).send("Not found");
  const note = escapeHtml(rows[0].customer_note ?? "");
  res.send(`<h1>Invoice ${escapeHtml(rows[0].number)}</h1><p>${note}</p>`); // ok: JS-XSS-002
});

router.get("/invoices/:id/balance", requireCustomer, async (req: Request, res: Response) => {
  const upstream = await fetch(`${LEDGER_URL}/invoices/${encodeURIComponent(req.params.id)}/balance`, { // ok: JS-SSRF-001
    headers: { "x-customer": String(res.locals.customer.sub) },
    signal: AbortSignal.timeout(5000),
  });
  res.status(upstream.ok ? 200 : 502).json(upstream.ok ? await upstream.json() : { error: "ledger unavailable" });
});

router.get("/invoices/:id/text", requireCustomer, async (req: Request, res: Response) => {
  const { rows } = await pool.query("SELECT pdf_path FROM invoices WHERE id = $1 AND customer_id = $2", [
    req.params.id,
    res.locals.customer.sub,
  ]);
  if (!rows.length) return res.sendStatus(404);
  const { stdout } = await execFileAsync("pdftotext", ["-layout", "--", rows[0].pdf_path, "-"], { timeout: 10_000 }); // ok: JS-CMDI-001
  const etag = createHash("sha256").update(stdout).digest("hex"); // ok: JS-HASH-001
  res.set("ETag", etag).type("text/plain").send(stdout);
});

router.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
  console.error(JSON.stringify({ msg: "portal error", path: req.path, error: err.message })); // ok: JS-LOG-001
  res.status(500).json({ error: "Internal error" }); // ok: JS-ERRLEAK-001
});
