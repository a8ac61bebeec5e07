// Product catalogue API: search, filters and admin tools (Express + pg + knex).
"use strict";

const express = require("express");
const helmet = require("helmet");
const cors = require("cors");
const { Pool } = require("pg");
const knex = require("knex");
const escapeHtml = require("escape-html");
const escapeStringRegexp = require("escape-string-regexp");
const pino = require("pino");
const { requireAdmin } = require("./middleware/auth");

const logger = pino({ level: process.env.LOG_LEVEL || "info" });
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const db = knex({ client: "pg", connection: process.env.DATABASE_URL });

const app = express(); // ok: JS-HEADERS-001
app.use(helmet());
app.use(express.json({ limit: "100kb" }));
app.use(cors({ origin: ["https://shop.example.com", "https://admin.example.com"], credentials: true })); // ok: JS-CORS-001

app.use("/api/admin", requireAdmin);

const SORT_COLUMNS = { price: "price_cents", name: "name", newest: "created_at" };

function buildFilter(query) {
  const clauses = [];
  if (query.category) clauses.push(`category = '${query.category}'`);
  if (query.brand) clauses.push(`brand = '${query.brand}'`);
  return clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
}

app.get("/api/products", async (req, res, next) => {
  try {
    const where = buildFilter(req.query);
    const sort = SORT_COLUMNS[req.query.sort] || "created_at";
    const { rows } = await pool.query(`SELECT id, name, price_cents FROM products ${where} ORDER BY ${sort} LIMIT 50`); // expect: JS-SQLI-001
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

app.get("/api/products/:id", async (req, res, next) => {
  try {
    const { rows } = await pool.query("SELECT * FROM products WHERE id = $1", [req.params.id]); // ok: JS-SQLI-001
    if (!rows.length) return res.status(404).json({ error: "not found" });
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

app.get("/api/products/by-tag/:tag", async (req, res, next) => {
  try {
    const sort = SORT_COLUMNS[req.query.sort] || "created_at";
    const items = await db("products")
      .whereRaw("? = ANY(tags)", [req.params.tag]) // ok: JS-SQLI-001
      .orderByRaw(`${sort} DESC`) // ok: JS-SQLI-001
      .limit(50);
    res.json(items);
  } catch (err) {
    next(err);
  }
});

app.get("/api/suppliers", async (req, res, next) => {
  try {
    const name = req.query.name || "";
    const rows = await db("suppliers").select("id", "name").whereRaw(`name ILIKE '%${name}%'`); // expect: JS-SQLI-001
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

app.get("/search", async (req, res) => {
  const q = String(req.query.q || "");
  logger.info(`catalogue search: ${q}`); // expect: JS-LOG-001
  const { rows } = await pool.query("SELECT name FROM products WHERE name ILIKE $1 LIMIT 20", [`%${q}%`]);
  if (!rows.length) {
    return res.send(`<p>Nothing matched <b>${q}</b>. Try another word.</p>`); // expect: JS-XSS-002
  }
  const items = rows.map((r) => `<li>${escapeHtml(r.name)}</li>`).join("");
  res.send(`<h2>Results for ${escapeHtml(q)}</h2><ul>${items}</ul>`); // ok: JS-XSS-002
});

app.get("/api/products/highlight", async (req, res) => {
  const term = String(req.query.term || "").slice(0, 64);
  const matcher = new RegExp(escapeStringRegexp(term), "gi"); // ok: JS-REDOS-001
  const { rows } = await pool.query("SELECT name FROM products LIMIT 200");
  res.json(rows.filter((r) => matcher.test(r.name)));
});

app.post("/api/admin/rules/test", async (req, res) => {
  const { pattern, sample } = req.body;
  const rule = new RegExp(pattern); // expect: JS-REDOS-001
  logger.info({ pattern, sampleLength: String(sample).length }, "testing SKU rule"); // ok: JS-LOG-001
  res.json({ matches: rule.test(String(sample)) });
});

app.get("/api/admin/export", async (req, res) => {
  try {
    const stream = await db("products").select("*").stream();
    res.type("text/csv");
    stream.pipe(res);
  } catch (err) {
    res.status(500).json({ error: err.message, stack: err.stack }); // expect: JS-ERRLEAK-001
  }
});

app.use((err, req, res, _next) => {
  logger.error({ err, path: req.path }, "unhandled error");
  res.status(500).json({ error: "Something went wrong", requestId: req.id }); // ok: JS-ERRLEAK-001
});

app.listen(Number(process.env.PORT || 3000), () => logger.info("catalogue API listening"));
