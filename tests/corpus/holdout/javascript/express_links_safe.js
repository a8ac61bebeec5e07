// Link tools, reviewed version: allow-listed redirects, previews through a fixed host, escaped search.
const express = require("express");
const axios = require("axios");
const escapeStringRegexp = require("escape-string-regexp");
const logger = require("../lib/logger");
const { Link } = require("./models");

const router = express.Router();
const ALLOWED_HOSTS = new Set(["example.com", "docs.example.com", "blog.example.com"]);

function safeReturnPath(value) {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) {
    return "/";
  }
  return value;
}

router.get("/logout", (req, res) => {
  req.session.destroy(() => {
    res.redirect(safeReturnPath(req.query.returnTo)); // ok: JS-REDIRECT-001
  });
});

router.get("/go", (req, res) => {
  let target;
  try {
    target = new URL(String(req.query.url));
  } catch {
    return res.status(400).json({ error: "Invalid url" });
  }
  if (!ALLOWED_HOSTS.has(target.hostname)) {
    return res.status(400).json({ error: "Destination not allowed" });
  }
  res.redirect(target.toString()); // ok: JS-REDIRECT-001
});

router.get("/docs/:slug", async (req, res) => {
  const slug = encodeURIComponent(req.params.slug);
  const { data } = await axios.get(`https://docs.example.com/api/pages/${slug}`); // ok: JS-SSRF-001
  res.json({ title: data.title });
});

router.get("/preview", async (req, res) => {
  const url = new URL(String(req.query.url));
  if (url.protocol !== "https:" || !ALLOWED_HOSTS.has(url.hostname)) {
    return res.status(400).json({ error: "Host not allowed" });
  }
  try {
    const response = await axios.get(url.toString(), { timeout: 5000, maxRedirects: 0 }); // ok: JS-SSRF-001
    res.json({ length: response.data.length });
  } catch (err) {
    logger.error({ err }, "preview failed");
    res.status(500).json({ error: "Preview failed" }); // ok: JS-ERRLEAK-001
  }
});

router.get("/search", async (req, res) => {
  const term = escapeStringRegexp(String(req.query.q || "").slice(0, 100));
  const links = await Link.find({ title: new RegExp(term, "i") }).limit(20); // ok: JS-REDOS-001
  res.json(links);
});

router.get("/stats", async (req, res) => {
  const total = await Link.countDocuments();
  res.send(total.toString()); // ok: JS-XSS-002
});

router.get("/ping", (req, res) => {
  res.type("text/plain").send(`pong from ${req.hostname}`); // ok: JS-XSS-002
});

router.get("/debug/headers", (req, res) => {
  res.send({ userAgent: req.get("User-Agent"), ip: req.ip }); // ok: JS-XSS-002
});

module.exports = router;
