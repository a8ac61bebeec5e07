// Import worker, reviewed version: contained zip extraction, JSON sessions, safe YAML and XML parsing.
const fs = require("fs");
const path = require("path");
const AdmZip = require("adm-zip");
const yaml = require("js-yaml");
const libxmljs = require("libxmljs");
const express = require("express");

const THEMES_DIR = path.resolve(__dirname, "themes");
const app = express();

function extractTheme(zipPath, themeName) {
  const zip = new AdmZip(zipPath);
  const target = path.resolve(THEMES_DIR, path.basename(themeName));
  for (const entry of zip.getEntries()) {
    const outPath = path.resolve(target, entry.entryName);
    if (!outPath.startsWith(target + path.sep)) {
      throw new Error(`Blocked path traversal in ${zipPath}`);
    }
    if (!entry.isDirectory) {
      fs.mkdirSync(path.dirname(outPath), { recursive: true });
      fs.writeFileSync(outPath, entry.getData()); // ok: JS-ZIPSLIP-001
    }
  }
}

app.get("/restore", (req, res) => {
  const raw = Buffer.from(String(req.cookies.profile || ""), "base64").toString();
  let profile;
  try {
    profile = JSON.parse(raw); // ok: JS-DESER-001
  } catch {
    return res.status(400).json({ error: "Bad profile" });
  }
  res.json({ name: String(profile.name || "") });
});

app.post("/site-config", express.text({ type: "*/*" }), (req, res) => {
  const config = yaml.load(req.body, { schema: yaml.JSON_SCHEMA }); // ok: JS-DESER-001
  res.json({ title: config.title });
});

app.post("/feeds/products", express.text({ type: "application/xml" }), (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noblanks: true, nonet: true }); // ok: JS-XXE-001
  const names = doc.find("//product/name").map((n) => n.text());
  res.json({ count: names.length, names });
});

module.exports = { app, extractTheme };
