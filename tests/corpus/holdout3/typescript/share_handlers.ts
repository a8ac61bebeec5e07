// Route handlers for sharing boards (Next.js app router). Each app/api/**/route.ts re-exports one of these.
import { createHmac, randomUUID, randomBytes } from "node:crypto";
import { cookies } from "next/headers";
import { NextRequest, NextResponse } from "next/server";
import { decodeJwt, jwtVerify } from "jose";
import { Prisma } from "@prisma/client";

import { prisma } from "@/lib/prisma";
import { issueSessionToken } from "@/lib/session";

const SESSION_KEY = new TextEncoder().encode(process.env.SESSION_JWT_SECRET);
const PREVIEW_HOSTS = new Set(["images.example.com", "cdn.example.com"]);
const EMBED_SIGNING_SECRET = "3f7c9e21a8d4b6f0c5e2a9d1b7f46c08"; // expect: JS-SECRET-001

type Session = { userId: string; workspaceId: string };

async function requireSession(req: NextRequest): Promise<Session | null> {
  const token = req.cookies.get("board_session")?.value;
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, SESSION_KEY, { algorithms: ["HS256"] }); // ok: JS-JWT-001
    return { userId: String(payload.sub), workspaceId: String(payload.wid) };
  } catch {
    return null;
  }
}

function sessionFromEmbedToken(token: string): Session {
  const claims = decodeJwt(token); // expect: JS-JWT-001
  return { userId: String(claims.sub), workspaceId: String(claims.wid) };
}

function inviteCode(): string {
  return Math.random().toString(36).slice(2, 10).toUpperCase(); // expect: JS-RAND-001
}

export async function listShares(req: NextRequest) {
  const session = await requireSession(req);
  if (!session) return NextResponse.json({ error: "unauthorised" }, { status: 401 });
  const board = req.nextUrl.searchParams.get("board") ?? "";
  const rows = await prisma.$queryRawUnsafe( // expect: JS-SQLI-001
    `SELECT id, code, created_at FROM "Share" WHERE "workspaceId" = '${session.workspaceId}' AND "boardId" = '${board}'`,
  );
  return NextResponse.json(rows);
}

export async function shareStats(req: NextRequest) {
  const session = await requireSession(req);
  if (!session) return NextResponse.json({ error: "unauthorised" }, { status: 401 });
  const board = req.nextUrl.searchParams.get("board") ?? "";
  const rows = await prisma.$queryRaw( // ok: JS-SQLI-001
    Prisma.sql`SELECT count(*)::int AS views FROM "ShareView" WHERE "workspaceId" = ${session.workspaceId} AND "boardId" = ${board}`,
  );
  return NextResponse.json(rows);
}

export async function createShare(req: NextRequest) {
  const session = await requireSession(req);
  if (!session) return NextResponse.json({ error: "unauthorised" }, { status: 401 });
  const { boardId } = (await req.json()) as { boardId: string };
  const board = await prisma.board.findFirst({ where: { id: boardId, workspaceId: session.workspaceId } });
  if (!board) return NextResponse.json({ error: "board not found" }, { status: 404 });
  const share = await prisma.share.create({
    data: { id: randomUUID(), code: inviteCode(), boardId, workspaceId: session.workspaceId },
  });
  return NextResponse.json(share, { status: 201 });
}

export async function linkPreview(req: NextRequest) {
  const target = req.nextUrl.searchParams.get("url");
  if (!target) return NextResponse.json({ error: "url is required" }, { status: 400 });
  const page = await fetch(target, { redirect: "follow", cache: "no-store" }); // expect: JS-SSRF-001
  const html = (await page.text()).slice(0, 200_000);
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? "";
  return NextResponse.json({ title });
}

export async function imageProxy(req: NextRequest) {
  const raw = req.nextUrl.searchParams.get("src") ?? "";
  let src: URL;
  try {
    src = new URL(raw);
  } catch {
    return NextResponse.json({ error: "bad url" }, { status: 400 });
  }
  if (src.protocol !== "https:" || !PREVIEW_HOSTS.has(src.hostname)) {
    return NextResponse.json({ error: "host not allowed" }, { status: 400 });
  }
  const image = await fetch(src, { redirect: "error" }); // ok: JS-SSRF-001
  return new NextResponse(image.body, { headers: { "content-type": image.headers.get("content-type") ?? "image/png" } });
}

export async function embedPage(req: NextRequest) {
  const session = sessionFromEmbedToken(req.nextUrl.searchParams.get("token") ?? "");
  const caption = req.nextUrl.searchParams.get("caption") ?? "Shared board";
  const sig = createHmac("sha256", EMBED_SIGNING_SECRET).update(session.workspaceId).digest("hex");
  const body = `<!doctype html><html><body><h1>${caption}</h1><script src="/embed.js" data-ws="${session.workspaceId}" data-sig="${sig}"></script></body></html>`;
  return new NextResponse(body, { headers: { "content-type": "text/html; charset=utf-8" } }); // expect: JS-XSS-002
}

export async function acceptInvite(req: NextRequest) {
  const code = req.nextUrl.searchParams.get("code") ?? "";
  const next = req.nextUrl.searchParams.get("next") ?? "/boards";
  const share = await prisma.share.findUnique({ where: { code } });
  if (!share) return NextResponse.json({ error: "invite not found" }, { status: 404 });
  const token = await issueSessionToken("guest", share.workspaceId);
  cookies().set("board_session", token); // expect: JS-COOKIE-001
  return NextResponse.redirect(new URL(next, req.url)); // expect: JS-REDIRECT-001
}

export async function switchWorkspace(req: NextRequest) {
  const session = await requireSession(req);
  if (!session) return NextResponse.json({ error: "unauthorised" }, { status: 401 });
  const form = await req.formData();
  const workspaceId = String(form.get("workspace") ?? "");
  const member = await prisma.membership.findFirst({ where: { userId: session.userId, workspaceId } });
  if (!member) return NextResponse.json({ error: "not a member" }, { status: 403 });
  const next = String(form.get("next") ?? "/boards");
  const token = await issueSessionToken(session.userId, workspaceId);
  cookies().set("board_session", token, { httpOnly: true, secure: true, sameSite: "lax", path: "/" }); // ok: JS-COOKIE-001
  const safeNext = next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/boards";
  return NextResponse.redirect(new URL(safeNext, req.url)); // ok: JS-REDIRECT-001
}

export function csrfToken(): string {
  return randomBytes(32).toString("base64url"); // ok: JS-RAND-001
}
