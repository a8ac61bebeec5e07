// Next.js (app router) route handlers: auth callback, image proxy, greeting card preview, session check.
import { NextRequest, NextResponse } from 'next/server';
import jwt from 'jsonwebtoken';
import { jwtVerify } from 'jose';

const SESSION_KEY = new TextEncoder().encode(process.env.SESSION_KEY ?? '');
const IMAGE_HOSTS = ['images.example-cdn.com', 'avatars.example-cdn.com'];

type Session = { sub: string; role: 'user' | 'admin' };

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export async function readSessionUnsafe(req: NextRequest): Promise<Session | null> {
  const token = req.cookies.get('session')?.value;
  if (!token) return null;
  return jwt.decode(token) as Session | null; // expect: JS-JWT-001
}

export async function readSession(req: NextRequest): Promise<Session | null> {
  const token = req.cookies.get('session')?.value;
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, SESSION_KEY, { algorithms: ['HS256'] }); // ok: JS-JWT-001
    return payload as unknown as Session;
  } catch {
    return null;
  }
}

// app/api/auth/callback/route.ts
export async function GET(req: NextRequest) {
  const next = req.nextUrl.searchParams.get('next') ?? '/';
  const session = await readSessionUnsafe(req);
  if (!session) return NextResponse.redirect(new URL('/login', req.url));
  return NextResponse.redirect(next); // expect: JS-REDIRECT-001
}

// app/api/auth/continue/route.ts
export async function continueAfterLogin(req: NextRequest) {
  const next = req.nextUrl.searchParams.get('next') ?? '/';
  const safe = next.startsWith('/') && !next.startsWith('//') ? next : '/';
  return NextResponse.redirect(new URL(safe, req.nextUrl.origin)); // ok: JS-REDIRECT-001
}

// app/api/image-proxy/route.ts
export async function proxyImage(req: NextRequest) {
  const src = req.nextUrl.searchParams.get('src');
  if (!src) return NextResponse.json({ error: 'missing src' }, { status: 400 });
  const upstream = await fetch(src, { cache: 'no-store' }); // expect: JS-SSRF-001
  return new NextResponse(upstream.body, { headers: { 'content-type': upstream.headers.get('content-type') ?? '' } });
}

// app/api/avatar/route.ts
export async function proxyAvatar(req: NextRequest) {
  let src: URL;
  try {
    src = new URL(req.nextUrl.searchParams.get('src') ?? '');
  } catch {
    return NextResponse.json({ error: 'bad src' }, { status: 400 });
  }
  if (src.protocol !== 'https:' || !IMAGE_HOSTS.includes(src.hostname)) {
    return NextResponse.json({ error: 'host not allowed' }, { status: 400 });
  }
  const upstream = await fetch(src, { redirect: 'error' }); // ok: JS-SSRF-001
  return new NextResponse(upstream.body, { headers: { 'content-type': 'image/png' } });
}

// app/api/cards/preview/route.ts
export async function POST(req: NextRequest) {
  const { to, message } = (await req.json()) as { to: string; message: string };
  const html = `<!doctype html><div class="card"><h2>Dear ${to},</h2><p>${message}</p></div>`;
  return new NextResponse(html, { headers: { 'content-type': 'text/html; charset=utf-8' } }); // expect: JS-XSS-002
}

// app/api/cards/preview-safe/route.ts
export async function previewSafe(req: NextRequest) {
  const { to, message } = (await req.json()) as { to: string; message: string };
  const html = `<!doctype html><div class="card"><h2>Dear ${escapeHtml(to)},</h2><p>${escapeHtml(message)}</p></div>`;
  return new NextResponse(html, { headers: { 'content-type': 'text/html; charset=utf-8' } }); // ok: JS-XSS-002
}

// app/api/admin/ping/route.ts
export async function adminPing(req: NextRequest) {
  const session = await readSession(req);
  if (session?.role !== 'admin') return NextResponse.json({ error: 'forbidden' }, { status: 403 });
  return NextResponse.json({ ok: true, user: session.sub });
}
