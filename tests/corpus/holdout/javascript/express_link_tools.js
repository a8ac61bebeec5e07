// Link tools for the marketing site: short links, link previews, webhook tester, quick calculator.
const express = require("express");
const axios = require("axios");
const needle = require("needle");
const math = require("mathjs");
const { Link } = require("./models");

const router = express.Router();

router.get("/go", (req, res) => {
  const target = req.query.url;
  if (!target) {
    return res.status(400).send("Missing url");
  }
  res.redirect(target); // expect: JS-REDIRECT-001
});

router.get("/logout", (req, res) => {
  req.session.destroy(() => {
    res.redirect(302, req.query.returnTo || "/"); // expect: JS-REDIRECT-001
  });
});

router.get("/s/:code", async (req, res) => {
  const link = await Link.findOne({ code: req.params.code });
  if (!link) return res.status(404).send("Unknown link");
  res.redirect(link.destination); // ok: JS-REDIRECT-001
});

router.get("/preview", async (req, res) => {
  const { url } = req.query;
  try {
    const response = await axios.get(url, { timeout: 5000 }); // expect: JS-SSRF-001
    const title = /<title>([^<]*)<\/title>/i.exec(response.data);
    res.json({ url, title: title ? title[1] : null });
  } catch (err) {
    res.status(500).send(err.stack); // expect: JS-ERRLEAK-001
  }
});

router.post("/webhooks/test", async (req, res) => {
  const { callbackUrl, payload } = req.body;
  const result = await fetch(callbackUrl, { // expect: JS-SSRF-001
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  res.json({ status: result.status });
});

router.get("/avatar-proxy", (req, res) => {
  const source = "https://" + req.query.host + "/avatar.png";
  needle.get(source, (err, response) => { // expect: JS-SSRF-001
    if (err) {
      return res.status(502).json({ error: err.message }); // expect: JS-ERRLEAK-001
    }
    res.type("png").send(response.body);
  });
});

router.get("/status", async (req, res) => {
  const { data } = await axios.get("https://status.example.com/api/v2/summary.json"); // ok: JS-SSRF-001
  res.json(data);
});

router.get("/search", async (req, res) => {
  const pattern = new RegExp(req.query.q, "i"); // expect: JS-REDOS-001
  const links = await Link.find({ title: pattern }).limit(20);
  res.json(links);
});

router.get("/calc", (req, res) => {
  const expression = req.query.expr;
  const value = math.evaluate(expression); // expect: JS-EVAL-001
  res.json({ value });
});

router.get("/whoami", (req, res) => {
  res.send(req.ip); // ok: JS-XSS-002
});

router.get("/count", async (req, res) => {
  const total = await Link.countDocuments({ owner: req.query.owner });
  res.send(String(total)); // ok: JS-XSS-002
});

module.exports = router;
