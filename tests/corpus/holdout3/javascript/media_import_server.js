// Media import service: zip uploads, remote images, XML feeds and thumbnail jobs (Express + multer).
const fs = require("fs/promises");
const path = require("path");
const { exec, execFile } = require("child_process");
const { promisify } = require("util");
const express = require("express");
const multer = require("multer");
const AdmZip = require("adm-zip");
const axios = require("axios");
const libxmljs = require("libxmljs2");
const nunjucks = require("nunjucks");
const serialize = require("node-serialize");
const yaml = require("js-yaml");
const { requireUser } = require("./middleware/session");

const execFileAsync = promisify(execFile);
const MEDIA_ROOT = path.resolve(process.env.MEDIA_ROOT || "./media");
const upload = multer({ dest: path.join(MEDIA_ROOT, "incoming"), limits: { fileSize: 50 * 1024 * 1024 } });

const app = express(); // expect: JS-HEADERS-001
app.use(express.json({ limit: "1mb" }));
app.use(requireUser);
nunjucks.configure(path.join(__dirname, "views"), { autoescape: false, express: app }); // expect: JS-XSS-003

const defaults = { thumbnails: { width: 320, height: 180 }, watermark: { enabled: false } };

function deepMerge(target, source) { // expect: JS-PROTO-001
  for (const key of Object.keys(source)) {
    if (source[key] && typeof source[key] === "object") {
      if (!target[key]) target[key] = {};
      deepMerge(target[key], source[key]);
    } else {
      target[key] = source[key];
    }
  }
  return target;
}

app.patch("/settings", (req, res) => {
  res.json(deepMerge(defaults, req.body));
});

app.post("/imports/zip", upload.single("archive"), async (req, res) => {
  const dest = path.join(MEDIA_ROOT, "library", String(req.user.id));
  const zip = new AdmZip(req.file.path);
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory) continue;
    const target = path.join(dest, entry.entryName);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, entry.getData()); // expect: JS-ZIPSLIP-001
  }
  res.status(201).json({ imported: zip.getEntries().length });
});

app.post("/imports/zip-v2", upload.single("archive"), async (req, res) => {
  const dest = path.resolve(MEDIA_ROOT, "library", String(req.user.id));
  const zip = new AdmZip(req.file.path);
  for (const entry of zip.getEntries()) {
    const target = path.resolve(dest, entry.entryName);
    if (!target.startsWith(dest + path.sep)) return res.status(400).json({ error: "bad entry name" });
    if (entry.isDirectory) continue;
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, entry.getData()); // ok: JS-ZIPSLIP-001
  }
  res.status(201).json({ imported: zip.getEntries().length });
});

app.post("/imports/remote", async (req, res) => {
  const { imageUrl } = req.body;
  const response = await axios.get(imageUrl, { responseType: "arraybuffer", maxContentLength: 10e6 }); // expect: JS-SSRF-001
  const file = path.join(MEDIA_ROOT, "incoming", `${Date.now()}.img`);
  await fs.writeFile(file, response.data);
  res.status(201).json({ file: path.basename(file) });
});

app.post("/thumbnails", async (req, res) => {
  const { file, size } = req.body;
  const source = path.join(MEDIA_ROOT, "incoming", path.basename(String(file)));
  exec(`convert "${source}" -resize ${size} "${source}.thumb.jpg"`, (err) => { // expect: JS-CMDI-001
    if (err) return res.status(500).json({ error: "thumbnail failed" });
    res.json({ thumbnail: `${path.basename(source)}.thumb.jpg` });
  });
});

app.post("/thumbnails/v2", async (req, res) => {
  const source = path.join(MEDIA_ROOT, "incoming", path.basename(String(req.body.file)));
  const size = /^\d{2,4}x\d{2,4}$/.test(req.body.size) ? req.body.size : "320x180";
  await execFileAsync("convert", [source, "-resize", size, `${source}.thumb.jpg`]); // ok: JS-CMDI-001
  res.json({ thumbnail: `${path.basename(source)}.thumb.jpg` });
});

app.get("/files/:name", (req, res) => {
  res.sendFile(req.params.name, { root: path.join(MEDIA_ROOT, "library") }); // ok: JS-PATH-001
});

app.get("/captions", async (req, res) => {
  const text = await fs.readFile(path.join(MEDIA_ROOT, "captions", req.query.file), "utf8"); // expect: JS-PATH-001
  res.type("text/plain").send(text);
});

app.post("/feeds/xml", express.text({ type: "application/xml", limit: "2mb" }), (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: true, nonet: false }); // expect: JS-XXE-001
  res.json({ items: doc.find("//item/title").map((n) => n.text()) });
});

app.post("/feeds/xml-safe", express.text({ type: "application/xml", limit: "2mb" }), (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: false, nonet: true }); // ok: JS-XXE-001
  res.json({ items: doc.find("//item/title").map((n) => n.text()) });
});

app.post("/jobs/restore", express.text({ limit: "256kb" }), (req, res) => {
  const job = serialize.unserialize(req.body); // expect: JS-DESER-001
  res.json({ restored: job.id });
});

app.post("/presets", express.text({ type: "text/yaml", limit: "64kb" }), (req, res) => {
  const preset = yaml.load(req.body, { schema: yaml.JSON_SCHEMA }); // ok: JS-DESER-001
  res.render("preset.njk", { preset });
});

app.listen(4000);
