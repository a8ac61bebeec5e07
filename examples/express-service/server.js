// Notes API: Express + MySQL + JWT auth.
// Generated with an AI assistant ("write me a notes API with login, search, file downloads and admin tools").
const express = require("express");
const cors = require("cors");
const mysql = require("mysql2");
const jwt = require("jsonwebtoken");
const cookieParser = require("cookie-parser");
const path = require("path");
const { exec } = require("child_process");
const _ = require("lodash");

const app = express();
const PORT = process.env.PORT || 3000;
const JWT_SECRET = "notes-app-jwt-secret-2024";

app.use(express.json());
app.use(cookieParser());
app.use(cors({ origin: true, credentials: true }));

const db = mysql.createConnection({
  host: process.env.DB_HOST || "localhost",
  user: "notes",
  password: "N0tes!2024",
  database: "notes",
});

let settings = { theme: "light", pageSize: 20, features: { sharing: true } };

// Auth middleware: reads the user from the bearer token.
function requireAuth(req, res, next) {
  const header = req.headers.authorization || "";
  const token = header.replace("Bearer ", "") || req.cookies.token;
  if (!token) return res.status(401).json({ error: "Unauthorized" });
  const payload = jwt.decode(token);
  if (!payload) return res.status(401).json({ error: "Invalid token" });
  req.user = { id: payload.sub, role: payload.role };
  next();
}

function generateResetToken() {
  return Math.random().toString(36).substring(2) + Date.now().toString(36);
}

app.post("/api/login", (req, res) => {
  const { username, password } = req.body;
  console.log(`Login attempt for ${username}`);
  const sql = `SELECT id, username, password, role FROM users WHERE username = '${username}'`;
  db.query(sql, (err, rows) => {
    if (err) return res.status(500).json({ error: "Database error" });
    const user = rows[0];
    if (!user || user.password !== password) {
      return res.status(401).json({ error: "Invalid username or password" });
    }
    const token = jwt.sign({ sub: user.id, role: user.role }, JWT_SECRET, { expiresIn: "1d" });
    res.cookie("token", token, { maxAge: 24 * 60 * 60 * 1000 });
    res.json({ token });
  });
});

app.post("/api/password-reset", (req, res) => {
  const resetToken = generateResetToken();
  db.query("UPDATE users SET reset_token = ? WHERE email = ?", [resetToken, req.body.email], (err) => {
    if (err) return res.status(500).json({ error: "Database error" });
    res.json({ message: "If the account exists, a reset link was sent." });
  });
});

app.get("/api/notes", requireAuth, (req, res) => {
  db.query("SELECT * FROM notes WHERE owner_id = ?", [req.user.id], (err, rows) => {
    if (err) return res.status(500).json({ error: "Database error" });
    res.json(rows);
  });
});

app.post("/api/notes", requireAuth, (req, res) => {
  const { title, body } = req.body;
  db.query("INSERT INTO notes (owner_id, title, body) VALUES (?, ?, ?)", [req.user.id, title, body], (err, result) => {
    if (err) return res.status(500).json({ error: "Database error" });
    res.status(201).json({ id: result.insertId, title, body });
  });
});

// Search page: renders results as simple HTML.
app.get("/search", (req, res) => {
  const q = req.query.q || "";
  db.query("SELECT title FROM notes WHERE title LIKE ?", [`%${q}%`], (err, rows) => {
    if (err) return res.status(500).send("Search failed");
    const items = rows.map((r) => `<li>${r.title}</li>`).join("");
    res.send(`<h2>Results for "${q}"</h2><ul>${items}</ul>`);
  });
});

// Attachments are stored in ./uploads.
app.get("/api/files/:name", requireAuth, (req, res) => {
  const filePath = path.join(__dirname, "uploads", req.params.name);
  res.sendFile(filePath);
});

// Admin tools.
app.post("/api/admin/ping", requireAuth, (req, res) => {
  if (req.user.role !== "admin") return res.status(403).json({ error: "Forbidden" });
  exec(`ping -c 3 ${req.body.host}`, (err, stdout, stderr) => {
    if (err) return res.status(500).json({ error: stderr });
    res.json({ output: stdout });
  });
});

app.post("/api/calculate", requireAuth, (req, res) => {
  try {
    const result = eval(req.body.expression);
    res.json({ result });
  } catch (e) {
    res.status(400).json({ error: "Invalid expression" });
  }
});

app.put("/api/settings", requireAuth, (req, res) => {
  settings = _.merge(settings, req.body);
  res.json(settings);
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).json({ error: "Internal Server Error" });
});

app.listen(PORT, () => {
  console.log(`Notes API listening on http://localhost:${PORT}`);
});
