// User accounts API, reviewed version: bcrypt, generic login errors, typed Mongo filters, rate limits.
const express = require("express");
const crypto = require("crypto");
const bcrypt = require("bcrypt");
const jwt = require("jsonwebtoken");
const rateLimit = require("express-rate-limit");
const mongoSanitize = require("express-mongo-sanitize");
const User = require("../models/user");
const mailer = require("../lib/mailer");

const router = express.Router();
router.use(mongoSanitize());
const authLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 10 });

router.post("/login", authLimiter, async (req, res) => {
  const email = String(req.body.email || "");
  const user = await User.findOne({ email });
  const ok = user ? await bcrypt.compare(String(req.body.password), user.passwordHash) : false;
  if (!ok) {
    return res.status(401).json({ error: "Invalid email or password" }); // ok: JS-ENUM-001
  }
  const token = jwt.sign({ sub: user.id }, process.env.JWT_SECRET, { expiresIn: "1h", algorithm: "HS256" });
  res.json({ token });
});

router.get("/users", async (req, res) => {
  const filter = {};
  if (typeof req.query.role === "string") filter.role = req.query.role;
  if (typeof req.query.team === "string") filter.team = req.query.team;
  const users = await User.find(filter).select("name email"); // ok: JS-NOSQL-001
  res.json(users);
});

router.get("/users/by-name", async (req, res) => {
  const users = await User.find({ name: String(req.query.name) }).limit(50); // ok: JS-NOSQL-001
  res.json(users);
});

router.post("/password-reset", authLimiter, async (req, res) => {
  const user = await User.findOne({ email: String(req.body.email) });
  if (user) {
    const resetToken = crypto.randomBytes(32).toString("hex");
    user.resetTokenHash = crypto.createHash("sha256").update(resetToken).digest("hex"); // ok: JS-HASH-001
    await user.save();
    await mailer.sendReset(user.email, resetToken);
  }
  res.json({ message: "If that address is registered, a reset link is on its way" });
});

router.get("/avatar/:id", async (req, res) => {
  const user = await User.findById(req.params.id).select("avatar");
  if (!user) return res.status(404).json({ error: "Not found" });
  const etag = crypto.createHash("md5").update(user.avatar).digest("hex"); // ok: JS-HASH-001
  res.set("ETag", etag).type("png").send(user.avatar);
});

router.get("/me", async (req, res) => {
  const token = (req.headers.authorization || "").replace("Bearer ", "");
  try {
    const claims = jwt.verify(token, process.env.JWT_SECRET, { algorithms: ["HS256"] });
    res.json(await User.findById(claims.sub).select("name email"));
  } catch {
    res.status(401).json({ error: "Unauthorized" });
  }
});

module.exports = router;
