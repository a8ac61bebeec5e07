// Next.js App Router handlers: OAuth callback, image proxy, signup check, webhook relay.
import { NextRequest, NextResponse } from "next/server";
import { createHash } from "crypto";
import { db } from "@/lib/db";

export async function GET(request: NextRequest) {
  const returnTo = request.nextUrl.searchParams.get("returnTo") ?? "/dashboard";
  const code = request.nextUrl.searchParams.get("code");
  if (!code) {
    return NextResponse.json({ error: "missing code" }, { status: 400 });
  }
  return NextResponse.redirect(returnTo); // expect: JS-REDIRECT-001
}

export async function POST(request: NextRequest) {
  const { imageUrl } = await request.json();
  try {
    const upstream = await fetch(imageUrl); // expect: JS-SSRF-001
    const bytes = await upstream.arrayBuffer();
    return new NextResponse(bytes, { headers: { "Content-Type": "image/png" } });
  } catch (error: any) {
    return NextResponse.json({ error: error.message, stack: error.stack }, { status: 500 }); // expect: JS-ERRLEAK-001
  }
}

export function tokenFingerprint(apiToken: string): string {
  return createHash("sha1").update(apiToken).digest("hex"); // expect: JS-HASH-001
}

export async function PUT(request: NextRequest) {
  const body = await request.json();
  const { email, password } = body;
  const account = await db.account.findUnique({ where: { email } });
  if (!account) {
    return NextResponse.json({ error: "User does not exist" }, { status: 404 }); // expect: JS-ENUM-001
  }
  const digest = createHash("md5").update(password + account.salt).digest("hex"); // expect: JS-HASH-001
  if (digest !== account.passwordDigest) { // expect: JS-TIMING-001
    return NextResponse.json({ error: "Wrong password" }, { status: 401 }); // expect: JS-ENUM-001
  }
  return NextResponse.json({ ok: true });
}
