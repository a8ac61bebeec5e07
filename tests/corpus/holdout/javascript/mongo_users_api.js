// User accounts API (Express + Mongoose): login, profile search, admin updates, password reset.
const express = require("express");
const crypto = require("crypto");
const jwt = require("jsonwebtoken");
const User = require("../models/user");
const mailer = require("../lib/mailer");

const router = express.Router();

function hashPassword(password) {
  return crypto.createHash("md5").update(password).digest("hex"); // expect: JS-HASH-001
}

router.post("/login", async (req, res) => { // expect: JS-RATE-001
  const { email, password } = req.body;
  const user = await User.findOne({ email: String(email) });
  if (!user) {
    return res.status(404).json({ error: "No account found for this email" }); // expect: JS-ENUM-001
  }
  if (user.passwordHash !== hashPassword(password)) { // expect: JS-TIMING-001
    return res.status(401).json({ error: "Incorrect password" }); // expect: JS-ENUM-001
  }
  const token = jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET, { expiresIn: "1h" });
  res.json({ token });
});

router.get("/users", async (req, res) => {
  const users = await User.find(req.query).select("name email"); // expect: JS-NOSQL-001
  res.json(users);
});

router.post("/users/lookup", async (req, res) => {
  const filter = req.body.filter;
  const user = await User.findOne(filter); // expect: JS-NOSQL-001
  res.json(user);
});

router.get("/users/by-name", async (req, res) => {
  const name = req.query.name;
  const users = await User.find({ $where: "this.name == '" + name + "'" }); // expect: JS-NOSQL-001
  res.json(users);
});

router.get("/users/:id", async (req, res) => {
  const user = await User.findById(req.params.id); // ok: JS-NOSQL-001
  res.json(user);
});

router.patch("/admin/users", async (req, res) => {
  const token = req.headers.authorization.replace("Bearer ", "");
  const claims = jwt.decode(token); // expect: JS-JWT-001
  if (claims.role !== "admin") return res.status(403).end();
  await User.updateOne(req.body.where, req.body.set); // expect: JS-NOSQL-001
  res.sendStatus(204);
});

router.post("/password-reset", async (req, res) => { // expect: JS-RATE-001
  const user = await User.findOne({ email: String(req.body.email) });
  if (!user) {
    return res.status(400).json({ message: "This email is not registered" }); // expect: JS-ENUM-001
  }
  const resetToken = crypto.randomBytes(32).toString("hex");
  user.resetTokenHash = crypto.createHash("sha1").update(resetToken).digest("hex"); // expect: JS-HASH-001
  await user.save();
  await mailer.sendReset(user.email, resetToken);
  res.json({ message: "Check your inbox" });
});

module.exports = router;
