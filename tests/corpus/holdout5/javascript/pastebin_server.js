// Snipbin: a pastebin (Express + Mongoose + EJS views). Anonymous users create pastes, optionally protected
// by a password, view them highlighted or raw, and delete them with the delete token they got at creation.
// Attacker data: everything in the request (route params, query, JSON and form bodies, cookies), and paste
// contents, which are stored and shown to other visitors.
"use strict";

const crypto = require("crypto");
const path = require("path");
const { execFile, exec } = require("child_process");
const express = require("express");
const helmet = require("helmet");
const mongoose = require("mongoose");
const rateLimit = require("express-rate-limit");
const escapeHtml = require("escape-html");
const { nanoid } = require("nanoid");

const MONGO_URL = "mongodb://snipbin:Tz8qLw2vNc5rXe7j@mongo.internal.example:27017/snipbin"; // expect: JS-SECRET-001
mongoose.connect(process.env.MONGO_URL || MONGO_URL);

const Paste = mongoose.model(
  "Paste",
  new mongoose.Schema({
    slug: String,
    content: String,
    language: String,
    pwHash: String,
    deleteToken: String,
    owner: String,
    visibility: { type: String, default: "public" },
    createdAt: { type: Date, default: Date.now },
  })
);

const app = express();
app.use(helmet({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'"] } } })); // ok: JS-HEADERS-002
app.set("view engine", "ejs");
app.use(express.json({ limit: "512kb" }));
app.use(express.urlencoded({ extended: true }));
app.use("/assets", express.static(path.join(__dirname, "public"))); // ok: JS-LISTING-001
app.use("/dl", express.static(__dirname, { dotfiles: "allow" })); // expect: JS-LISTING-001

const LANGUAGES = new Set(["python", "javascript", "go", "rust", "sql", "bash", "text"]);
const THEMES = { light: "paste-light", dark: "paste-dark" };
const unlockLimiter = rateLimit({ windowMs: 60 * 1000, limit: 5 });

function deepMerge(target, source) { // expect: JS-PROTO-001
  for (const key of Object.keys(source)) {
    if (source[key] && typeof source[key] === "object") {
      target[key] = deepMerge(target[key] || {}, source[key]);
    } else {
      target[key] = source[key];
    }
  }
  return target;
}

function highlight(code, language, done) {
  const lang = LANGUAGES.has(language) ? language : "text";
  execFile("pygmentize", ["-l", lang, "-f", "html"], { input: code }, done); // ok: JS-CMDI-001
}

app.post("/pastes", async (req, res) => {
  const paste = await Paste.create({
    slug: nanoid(10),
    content: String(req.body.content),
    language: String(req.body.language || "text"),
    deleteToken: crypto.randomBytes(18).toString("base64url"),
    pwHash: req.body.password ? crypto.createHash("md5").update(req.body.password).digest("hex") : null, // expect: JS-HASH-001
  });
  res.status(201).json({ slug: paste.slug, deleteToken: paste.deleteToken });
});

app.post("/preview", (req, res) => {
  res.send(`<pre class="preview">${req.body.content}</pre>`); // expect: JS-XSS-002
});

app.get("/p/:slug", async (req, res) => {
  const paste = await Paste.findOne({ slug: String(req.params.slug) }); // ok: JS-NOSQL-001
  if (!paste) return res.status(404).send(`<p>No paste called ${escapeHtml(req.params.slug)}</p>`); // ok: JS-XSS-002
  if (paste.pwHash) return res.render("locked", { slug: paste.slug });
  res.render(THEMES[req.query.theme] || "paste-light", { paste }); // ok: JS-LOAD-001
});

app.get("/embed/:slug", async (req, res) => {
  const paste = await Paste.findOne({ slug: String(req.params.slug) });
  if (!paste) return res.sendStatus(404);
  res.render(req.query.layout || "embed", { paste }); // expect: JS-LOAD-001
});

app.get("/raw/:slug", async (req, res) => {
  const paste = await Paste.findOne({ slug: String(req.params.slug) });
  if (!paste) return res.sendStatus(404);
  res.type("text/plain").send(paste.content); // ok: JS-XSS-002
});

app.post("/p/:slug/unlock", async (req, res) => { // expect: JS-RATE-001
  const paste = await Paste.findOne({ slug: String(req.params.slug) });
  const guess = crypto.createHash("md5").update(String(req.body.password)).digest("hex"); // expect: JS-HASH-001
  if (!paste || guess !== paste.pwHash) return res.status(403).render("locked", { slug: req.params.slug }); // expect: JS-TIMING-001
  res.render("paste-light", { paste });
});

app.post("/p/:slug/report", unlockLimiter, async (req, res) => {
  await Paste.updateOne({ slug: String(req.params.slug) }, { $inc: { reports: 1 } });
  res.sendStatus(202);
});

app.delete("/p/:slug", async (req, res) => {
  const removed = await Paste.findOneAndDelete({ slug: req.params.slug, deleteToken: req.body.deleteToken }); // expect: JS-NOSQL-001
  res.sendStatus(removed ? 204 : 404);
});

app.get("/explore", async (req, res) => {
  // public pastes only; extra query keys (language, owner) narrow the list
  const filter = Object.assign({ visibility: "public" }, req.query);
  const pastes = await Paste.find(filter).limit(100); // expect: JS-NOSQL-001
  res.json(pastes.map((p) => ({ slug: p.slug, language: p.language })));
});

app.get("/p/:slug/highlighted", async (req, res) => {
  const paste = await Paste.findOne({ slug: String(req.params.slug) });
  if (!paste) return res.sendStatus(404);
  highlight(paste.content, paste.language, (err, html) => (err ? res.sendStatus(500) : res.type("html").send(html)));
});

app.get("/p/:slug/lint", async (req, res) => {
  const paste = await Paste.findOne({ slug: String(req.params.slug) });
  exec(`linters/run.sh ${req.query.tool} /var/snipbin/${paste.slug}.txt`, (err, stdout) => { // expect: JS-CMDI-001
    if (err) return res.status(500).send(err.stack); // expect: JS-ERRLEAK-001
    res.type("text/plain").send(stdout);
  });
});

app.post("/settings", (req, res) => {
  const prefs = deepMerge({ theme: "light", wrap: true }, req.body);
  res.cookie("snip_prefs", JSON.stringify(prefs), { sameSite: "lax", maxAge: 31536000000 }); // ok: JS-COOKIE-001
  res.json(prefs);
});

app.listen(3100);
