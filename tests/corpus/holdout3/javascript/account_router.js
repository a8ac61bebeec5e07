// Account routes: sign-in, API keys, one-time codes and password reset (Express router + Mongoose).
const crypto = require("crypto");
const express = require("express");
const bcrypt = require("bcryptjs");
const jwt = require("jsonwebtoken");
const rateLimit = require("express-rate-limit");

const User = require("../models/user");
const ApiKey = require("../models/apiKey");
const { sendMail } = require("../services/mailer");

const router = express.Router();

const JWT_SECRET = process.env.JWT_SECRET || "8d2f6c1e9a7b4035be21c4d8f09a6e13"; // expect: JS-SECRET-001
const INTERNAL_TOKEN = process.env.INTERNAL_SERVICE_TOKEN; // ok: JS-SECRET-001
const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, max: 10, standardHeaders: true });

function hashApiKey(key) {
  return crypto.createHash("sha256").update(key).digest("hex"); // ok: JS-HASH-001
}

function legacyPasswordHash(password) {
  return crypto.createHash("sha1").update(password).digest("hex"); // expect: JS-HASH-001
}

function sixDigitCode() {
  return String(Math.floor(100000 + Math.random() * 900000)); // expect: JS-RAND-001
}

function resetToken() {
  return crypto.randomBytes(32).toString("hex"); // ok: JS-RAND-001
}

router.post("/login", loginLimiter, async (req, res) => {
  const { email, password } = req.body;
  const user = await User.findOne({ email: email }); // expect: JS-NOSQL-001
  if (!user) {
    return res.status(404).json({ error: "No user with this email" }); // expect: JS-ENUM-001
  }
  const valid = user.legacyHash
    ? legacyPasswordHash(password) === user.legacyHash // expect: JS-TIMING-001
    : await bcrypt.compare(password, user.passwordHash);
  if (!valid) {
    return res.status(401).json({ error: "Wrong password" }); // expect: JS-ENUM-001
  }
  const token = jwt.sign({ sub: user.id, role: user.role }, JWT_SECRET, { expiresIn: "1h" });
  res.cookie("session", token, { maxAge: 3600 * 1000 }); // expect: JS-COOKIE-001
  res.json({ ok: true });
});

router.post("/login/otp", async (req, res) => { // expect: JS-RATE-001
  const user = await User.findOne({ email: String(req.body.email) }); // ok: JS-NOSQL-001
  const code = String(req.body.code || "");
  if (!user || !user.otpHash || !(await bcrypt.compare(code, user.otpHash))) {
    return res.status(401).json({ error: "Invalid email or code" }); // ok: JS-ENUM-001
  }
  user.otpHash = null;
  await user.save();
  const token = jwt.sign({ sub: user.id, role: user.role }, JWT_SECRET, { expiresIn: "1h" });
  res.cookie("session", token, { httpOnly: true, secure: true, sameSite: "lax", maxAge: 3600 * 1000 }); // ok: JS-COOKIE-001
  res.json({ ok: true });
});

router.post("/login/otp/send", loginLimiter, async (req, res) => {
  const user = await User.findOne({ email: String(req.body.email) });
  if (user) {
    const code = sixDigitCode();
    user.otpHash = await bcrypt.hash(code, 10);
    await user.save();
    await sendMail(user.email, "Your sign-in code", `Your code is ${code}`);
  }
  res.json({ message: "If the address is registered, a code was sent." });
});

router.post("/password/forgot", loginLimiter, async (req, res) => {
  const user = await User.findOne({ email: String(req.body.email) });
  if (!user) {
    return res.status(400).json({ error: "This email is not registered" }); // expect: JS-ENUM-001
  }
  const token = resetToken();
  user.resetHash = hashApiKey(token);
  user.resetExpires = Date.now() + 30 * 60 * 1000;
  await user.save();
  await sendMail(user.email, "Reset your password", `https://app.example.com/reset?token=${token}`);
  res.json({ message: "Check your inbox." });
});

function requireUser(req, res, next) {
  const raw = (req.headers.authorization || "").replace(/^Bearer /, "");
  const claims = jwt.decode(raw); // expect: JS-JWT-001
  if (!claims || !claims.sub) return res.sendStatus(401);
  req.user = claims;
  next();
}

function requireUserVerified(req, res, next) {
  const raw = (req.headers.authorization || "").replace(/^Bearer /, "");
  try {
    req.user = jwt.verify(raw, JWT_SECRET, { algorithms: ["HS256"] }); // ok: JS-JWT-001
    next();
  } catch {
    res.sendStatus(401);
  }
}

function requireInternal(req, res, next) {
  const presented = String(req.headers["x-internal-token"] || "");
  if (presented !== INTERNAL_TOKEN) { // expect: JS-TIMING-001
    return res.sendStatus(403);
  }
  next();
}

router.get("/me/keys", requireUser, async (req, res) => {
  const keys = await ApiKey.find({ owner: req.user.sub }).select("label createdAt");
  res.json(keys);
});

router.get("/admin/users", requireUserVerified, async (req, res) => {
  if (req.user.role !== "admin") return res.sendStatus(403);
  const filter = { $where: `this.displayName.includes('${req.query.name || ""}')` };
  res.json(await User.find(filter).limit(50)); // expect: JS-NOSQL-001
});

router.post("/internal/keys/verify", requireInternal, async (req, res) => {
  const digest = Buffer.from(hashApiKey(String(req.body.key || "")), "hex");
  const record = await ApiKey.findOne({ prefix: String(req.body.key || "").slice(0, 8) });
  const stored = Buffer.from(record ? record.hash : "", "hex");
  const match = stored.length === digest.length && crypto.timingSafeEqual(stored, digest); // ok: JS-TIMING-001
  res.json({ valid: match });
});

module.exports = router;
