// Partner portal, reviewed version: relative redirects only, fixed upstream hosts, generic errors.
import { Hono } from "hono";
import Fastify from "fastify";
import { NextRequest, NextResponse } from "next/server";
import { createHash, createHmac, timingSafeEqual } from "crypto";
import bcrypt from "bcryptjs";
import { db } from "@/lib/db";

const app = new Hono();
const fastify = Fastify({ logger: true });
const FEEDS: Record<string, string> = {
  news: "https://partners.example.com/feeds/news.xml",
  offers: "https://partners.example.com/feeds/offers.xml",
};

function localPath(value: string | undefined): string {
  return value && /^\/[^/\\]/.test(value) ? value : "/";
}

app.get("/login/callback", (c) => {
  return c.redirect(localPath(c.req.query("next"))); // ok: JS-REDIRECT-001
});

app.get("/feeds/:name", async (c) => {
  const url = FEEDS[c.req.param("name")];
  if (!url) return c.json({ error: "unknown feed" }, 404);
  const res = await fetch(url); // ok: JS-SSRF-001
  return c.body(await res.text(), 200, { "Content-Type": "application/rss+xml" });
});

app.get("/orders/:id", async (c) => {
  const id = Number(c.req.param("id"));
  const upstream = await fetch(`https://orders.internal.example.com/v1/orders/${id}`); // ok: JS-SSRF-001
  return c.json(await upstream.json());
});

fastify.setErrorHandler((error, request, reply) => {
  request.log.error(error);
  reply.status(500).send({ message: "Internal Server Error" }); // ok: JS-ERRLEAK-001
});

fastify.get("/version", async (request, reply) => {
  reply.send({ version: process.env.APP_VERSION ?? "dev", ip: request.ip }); // ok: JS-XSS-002
});

export function checksum(file: Buffer): string {
  return createHash("sha1").update(file).digest("hex"); // ok: JS-HASH-001
}

export async function POST(request: NextRequest) {
  const { email, password } = await request.json();
  const account = await db.account.findUnique({ where: { email: String(email) } });
  const valid = account ? await bcrypt.compare(String(password), account.passwordHash) : false;
  if (!valid) {
    return NextResponse.json({ error: "Invalid credentials" }, { status: 401 }); // ok: JS-ENUM-001
  }
  return NextResponse.json({ ok: true });
}

export function verifySignature(body: string, signature: string, secret: string): boolean {
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export { app, fastify };
