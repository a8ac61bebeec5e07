// Gatehouse event ticketing API (Express + mysql2).
//
// Fans browse events, reserve seats and transfer tickets; organisers sign in to a back office; the payment
// provider calls a webhook when a charge settles. Attacker data: query strings, route params, JSON bodies,
// cookies and headers from fans and from the internet, plus the payment webhook request.
"use strict";

const crypto = require("crypto");
const path = require("path");
const express = require("express");
const helmet = require("helmet");
const rateLimit = require("express-rate-limit");
const mysql = require("mysql2/promise");
const bcrypt = require("bcrypt");
const { sendTicketMail } = require("./mailer");
const { requireFan } = require("./auth");

const app = express(); // ok: JS-HEADERS-001
app.use(helmet());
app.use(express.json({ limit: "100kb" }));

const pool = mysql.createPool({
  host: "db.internal.example",
  user: "gatehouse",
  password: process.env.DB_PASSWORD,
  database: "tickets",
});

const PAYMENT_WEBHOOK_SECRET = process.env.PAYMENT_WEBHOOK_SECRET || "9b1f04c7e2a64d58a0c3e7f1b2d49a66"; // expect: JS-SECRET-001
const TICKET_PDF_DIR = path.join(__dirname, "storage", "tickets");
const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10 });

function sectionFilter(query) {
  // builds the optional WHERE part for the seat map
  let where = "event_id = " + Number(query.eventId);
  if (query.section) where += " AND section = '" + query.section + "'";
  if (query.maxPrice) where += " AND price <= " + Number(query.maxPrice);
  return where;
}

app.get("/events/:id/seats", async (req, res) => {
  const [rows] = await pool.query( // ok: JS-SQLI-001
    "SELECT seat, section, price FROM seats WHERE event_id = ? AND sold = 0 ORDER BY section, seat",
    [req.params.id]
  );
  res.json(rows);
});

app.get("/seatmap", async (req, res) => {
  const where = sectionFilter(req.query);
  const [rows] = await pool.query(`SELECT seat, section, price FROM seats WHERE ${where}`); // expect: JS-SQLI-001
  res.json(rows);
});

app.get("/orders/lookup", async (req, res) => {
  try {
    const [rows] = await pool.execute("SELECT id, event_id, status FROM orders WHERE email = ? AND ref = ?", [
      String(req.query.email),
      String(req.query.ref),
    ]);
    res.json(rows);
  } catch (err) {
    res.status(500).json({ error: "lookup failed", detail: err.sqlMessage }); // expect: JS-ERRLEAK-001
  }
});

app.get("/tickets/:orderId/pdf", async (req, res) => {
  const file = `${Number(req.params.orderId)}.pdf`;
  res.sendFile(file, { root: TICKET_PDF_DIR }); // ok: JS-PATH-001
});

app.get("/tickets/download", (req, res) => {
  res.sendFile(path.join(TICKET_PDF_DIR, req.query.name)); // expect: JS-PATH-001
});

function transferCode() {
  return Math.random().toString(36).slice(2, 10).toUpperCase(); // expect: JS-RAND-001
}

function queueJitterMs() {
  // spreads reconnects of the waiting-room clients
  return 500 + Math.floor(Math.random() * 1500); // ok: JS-RAND-001
}

app.post("/tickets/:id/transfer", requireFan, async (req, res) => {
  const code = transferCode();
  await pool.execute("UPDATE tickets SET transfer_code = ?, transfer_to = ? WHERE id = ? AND owner_id = ?", [
    code,
    req.body.recipient,
    req.params.id,
    req.fan.id,
  ]);
  console.log(`ticket ${req.params.id} offered to ${req.body.recipient}`); // expect: JS-LOG-001
  await sendTicketMail(req.body.recipient, code);
  res.json({ ok: true, retryAfterMs: queueJitterMs() });
});

function hashOrganiserPassword(password, salt) {
  return crypto.createHash("sha1").update(salt + password).digest("hex"); // expect: JS-HASH-001
}

app.post("/organisers/login", loginLimiter, async (req, res) => { // ok: JS-RATE-001
  const [rows] = await pool.execute("SELECT id, salt, pw_hash, legacy FROM organisers WHERE email = ?", [
    String(req.body.email),
  ]);
  const organiser = rows[0];
  if (!organiser) {
    return res.status(404).json({ error: "No organiser account is registered with this e-mail" }); // expect: JS-ENUM-001
  }
  const ok = organiser.legacy
    ? hashOrganiserPassword(String(req.body.password), organiser.salt) === organiser.pw_hash // expect: JS-TIMING-001
    : await bcrypt.compare(String(req.body.password), organiser.pw_hash);
  if (!ok) {
    return res.status(401).json({ error: "Wrong password for this organiser" }); // expect: JS-ENUM-001
  }
  const sid = crypto.randomBytes(32).toString("hex");
  await pool.execute("INSERT INTO sessions (sid, organiser_id) VALUES (?, ?)", [sid, organiser.id]);
  res.cookie("gh_sid", sid, { httpOnly: true, sameSite: "lax" }); // expect: JS-COOKIE-001
  res.json({ ok: true });
});

app.post("/webhooks/payments", express.raw({ type: "application/json" }), async (req, res) => {
  const expected = crypto.createHmac("sha256", PAYMENT_WEBHOOK_SECRET).update(req.body).digest("hex");
  const given = Buffer.from(req.get("X-Pay-Signature") || "");
  const want = Buffer.from(expected);
  if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) { // ok: JS-TIMING-001
    return res.sendStatus(401);
  }
  const event = JSON.parse(req.body.toString("utf8"));
  await pool.execute("UPDATE orders SET status = 'paid' WHERE payment_ref = ?", [event.chargeId]);
  res.sendStatus(204);
});

app.post("/webhooks/payments/legacy", express.json(), async (req, res) => {
  if (req.body.secret === PAYMENT_WEBHOOK_SECRET) { // expect: JS-TIMING-001
    await pool.execute("UPDATE orders SET status = 'paid' WHERE payment_ref = ?", [req.body.chargeId]);
  }
  res.sendStatus(204);
});

app.listen(3000);
