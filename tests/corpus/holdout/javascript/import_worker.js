// Import worker: theme packs (zip), saved sessions, YAML site configs and XML product feeds.
const fs = require("fs");
const path = require("path");
const AdmZip = require("adm-zip");
const unzipper = require("unzipper");
const serialize = require("node-serialize");
const yaml = require("js-yaml");
const libxmljs = require("libxmljs");
const express = require("express");

const THEMES_DIR = path.join(__dirname, "themes");
const app = express();

function extractTheme(zipPath, themeName) {
  const zip = new AdmZip(zipPath);
  const target = path.join(THEMES_DIR, themeName);
  for (const entry of zip.getEntries()) {
    const outPath = path.join(target, entry.entryName);
    if (entry.isDirectory) {
      fs.mkdirSync(outPath, { recursive: true });
    } else {
      fs.writeFileSync(outPath, entry.getData()); // expect: JS-ZIPSLIP-001
    }
  }
}

async function extractBundle(bundlePath, dest) {
  const directory = await unzipper.Open.file(bundlePath);
  for (const file of directory.files) {
    const filePath = path.join(dest, file.path);
    file.stream().pipe(fs.createWriteStream(filePath)); // expect: JS-ZIPSLIP-001
  }
}

app.get("/restore", (req, res) => {
  const raw = Buffer.from(req.cookies.profile, "base64").toString();
  const profile = serialize.unserialize(raw); // expect: JS-DESER-001
  res.json({ name: profile.name });
});

app.post("/site-config", express.text({ type: "*/*" }), (req, res) => {
  const config = yaml.load(req.body, { schema: yaml.DEFAULT_FULL_SCHEMA }); // expect: JS-DESER-001
  res.json({ title: config.title });
});

app.post("/feeds/products", express.text({ type: "application/xml" }), (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: true, noblanks: true }); // expect: JS-XXE-001
  const names = doc.find("//product/name").map((n) => n.text());
  res.json({ count: names.length, names });
});

module.exports = { app, extractTheme, extractBundle };
