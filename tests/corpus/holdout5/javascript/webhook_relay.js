// Hookshot: a webhook relay. Third-party services (Git hosts, shops, CRMs) post events to /in/:source;
// Hookshot verifies them, reshapes the payload with the subscriber's template and fans it out to the
// subscribers' callback URLs. Attacker data: the incoming webhook bodies and headers (anyone can post to
// /in), and everything a tenant sends to the management API (callback URLs, templates, filters, YAML
// routing files). Tenants authenticate with JWTs from the account service.
"use strict";

const crypto = require("crypto");
const https = require("https");
const fs = require("fs");
const express = require("express");
const cors = require("cors");
const axios = require("axios");
const jwt = require("jsonwebtoken");
const yaml = require("js-yaml");
const Handlebars = require("handlebars");
const escapeStringRegexp = require("escape-string-regexp");
const { Subscriptions, Deliveries } = require("./store");
const { isPublicHttpsUrl } = require("./net-guard");
const log = require("./logger");

const app = express(); // expect: JS-HEADERS-001
app.use(cors({ origin: true, credentials: true })); // expect: JS-CORS-001
app.use(express.json({ limit: "1mb" }));

const ACCOUNT_PUBLIC_KEY = fs.readFileSync("/etc/hookshot/account-service.pub");
const SOURCE_SECRETS = JSON.parse(fs.readFileSync("/etc/hookshot/sources.json", "utf8"));
const internalAgent = new https.Agent({ rejectUnauthorized: false }); // expect: JS-TLS-001
const DIGEST_TEMPLATE = Handlebars.compile(fs.readFileSync(__dirname + "/templates/digest.hbs", "utf8")); // ok: JS-SSTI-001

function tenantAuth(req, res, next) {
  const token = (req.get("authorization") || "").replace(/^Bearer /, "");
  try {
    req.tenant = jwt.verify(token, ACCOUNT_PUBLIC_KEY, { algorithms: ["RS256"], audience: "hookshot" }); // ok: JS-JWT-002
    next();
  } catch (e) {
    res.status(401).json({ error: "invalid token" });
  }
}

function legacyTenantAuth(req, res, next) {
  // v1 CLI tokens: the gateway in front of us already validated them
  const claims = jwt.decode(req.get("x-hookshot-token") || ""); // expect: JS-JWT-001
  if (!claims || !claims.tenant) return res.sendStatus(401);
  req.tenant = claims;
  next();
}

function verifySource(source, rawBody, signature) {
  const secret = SOURCE_SECRETS[source];
  if (!secret || !signature) return false;
  const mac = crypto.createHmac("sha256", secret).update(rawBody).digest();
  const given = Buffer.from(signature.replace(/^sha256=/, ""), "hex");
  return given.length === mac.length && crypto.timingSafeEqual(given, mac); // ok: JS-TIMING-001
}

app.post("/subscriptions", tenantAuth, async (req, res) => {
  const { callbackUrl, template, filter } = req.body;
  if (!(await isPublicHttpsUrl(callbackUrl))) return res.status(400).json({ error: "callback must be a public https URL" });
  const sub = await Subscriptions.create({ tenant: req.tenant.sub, callbackUrl, template, filter });
  res.status(201).json({ id: sub.id });
});

app.post("/subscriptions/test", legacyTenantAuth, async (req, res) => {
  const started = Date.now();
  const reply = await axios.post(req.body.callbackUrl, { type: "ping" }, { timeout: 5000 }); // expect: JS-SSRF-001
  res.json({ status: reply.status, ms: Date.now() - started });
});

app.post("/templates/preview", tenantAuth, (req, res) => {
  const render = Handlebars.compile(req.body.template); // expect: JS-SSTI-001
  res.type("text/plain").send(render(req.body.sample || {}));
});

app.post("/routing", tenantAuth, express.text({ type: "*/*" }), async (req, res) => {
  const routes = yaml.load(req.body, { schema: yaml.DEFAULT_FULL_SCHEMA }); // expect: JS-DESER-001
  await Subscriptions.replaceRoutes(req.tenant.sub, routes);
  res.sendStatus(204);
});

app.get("/deliveries", tenantAuth, async (req, res) => {
  const pattern = new RegExp(escapeStringRegexp(String(req.query.type || "")), "i"); // ok: JS-REDOS-001
  const rows = await Deliveries.forTenant(req.tenant.sub);
  res.json(rows.filter((d) => pattern.test(d.eventType)));
});

app.get("/deliveries/search", tenantAuth, async (req, res) => {
  const matcher = new RegExp(req.query.q); // expect: JS-REDOS-001
  const rows = await Deliveries.forTenant(req.tenant.sub);
  res.json(rows.filter((d) => matcher.test(d.summary)));
});

function compileFilter(expression) {
  // tenants write filters like: event.repository.private === false && event.ref === "refs/heads/main"
  return new Function("event", "return (" + expression + ");"); // expect: JS-EVAL-001
}

async function deliver(sub, event) {
  const filter = sub.filter ? compileFilter(sub.filter) : () => true;
  if (!filter(event)) return;
  const body = sub.template ? Handlebars.compile(sub.template)(event) : JSON.stringify(event); // expect: JS-SSTI-001
  const signature = crypto.createHmac("sha256", sub.signingSecret).update(body).digest("hex");
  await axios.post(sub.callbackUrl, body, { // ok: JS-SSRF-001
    headers: { "content-type": "application/json", "x-hookshot-signature": signature },
    timeout: 10000,
  });
}

app.post("/in/:source", express.raw({ type: "*/*", limit: "1mb" }), async (req, res) => {
  if (!verifySource(req.params.source, req.body, req.get("x-hub-signature-256"))) {
    log.warn({ source: req.params.source, ip: req.ip }, "rejected unsigned webhook"); // ok: JS-LOG-001
    return res.sendStatus(401);
  }
  const event = JSON.parse(req.body.toString("utf8"));
  log.info("event " + req.get("x-event-type") + " from " + req.params.source); // expect: JS-LOG-001
  const subs = await Subscriptions.forSource(req.params.source);
  await Promise.allSettled(subs.map((s) => deliver(s, event)));
  res.sendStatus(202);
});

app.post("/internal/replay/:id", tenantAuth, async (req, res) => {
  const delivery = await Deliveries.get(req.params.id, req.tenant.sub);
  if (!delivery) return res.sendStatus(404);
  const reply = await axios.post("https://replay.internal.example/v1/jobs", { id: delivery.id }, { httpsAgent: internalAgent });
  res.json({ job: reply.data.job });
});

app.listen(8080);
