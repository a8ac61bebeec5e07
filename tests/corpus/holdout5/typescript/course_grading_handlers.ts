// Gradebook route handlers for Lectern, a course and grading platform (Next.js app router + Prisma + jose).
// Students submit assignments that an autograder runs; instructors upload rubrics (XML exported from the
// old LMS), define grade formulas and export grades. Attacker data: search params, JSON and form bodies,
// uploaded submission and rubric files (any enrolled student or guest instructor), and bearer tokens.
import { NextRequest, NextResponse } from 'next/server';
import { PrismaClient } from '@prisma/client';
import { decodeJwt, jwtVerify, createRemoteJWKSet } from 'jose';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { execSync, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import bcrypt from 'bcryptjs';
import libxmljs from 'libxmljs2';

const prisma = new PrismaClient();
const JWKS = createRemoteJWKSet(new URL('https://sso.lectern.example/.well-known/jwks.json'));
const ratelimit = new Ratelimit({ redis: Redis.fromEnv(), limiter: Ratelimit.slidingWindow(5, '1 m') });
const SUBMISSIONS = '/data/lectern/submissions';
const GRADERS = { python: 'grade_python.sh', java: 'grade_java.sh', c: 'grade_c.sh' } as const;

async function viewer(req: NextRequest) {
  const token = req.headers.get('authorization')?.replace('Bearer ', '') ?? '';
  const { payload } = await jwtVerify(token, JWKS, { issuer: 'https://sso.lectern.example', algorithms: ['RS256'] }); // ok: JS-JWT-001
  return payload as { sub: string; role: 'student' | 'instructor' };
}

function viewerFromCookie(req: NextRequest) {
  // preview deployments share the cookie with the SSO domain, so the token is trusted as is
  return decodeJwt(req.cookies.get('lectern_token')?.value ?? '') as { sub: string; role: string }; // expect: JS-JWT-001
}

export async function searchStudents(req: NextRequest) {
  const me = await viewer(req);
  if (me.role !== 'instructor') return NextResponse.json({ error: 'forbidden' }, { status: 403 });
  const courseId = Number(req.nextUrl.searchParams.get('course'));
  const q = req.nextUrl.searchParams.get('q') ?? '';
  const rows = await prisma.$queryRaw`SELECT id, name FROM students WHERE course_id = ${courseId} AND name ILIKE ${'%' + q + '%'}`; // ok: JS-SQLI-001
  return NextResponse.json(rows);
}

export async function gradeHistory(req: NextRequest) {
  const me = viewerFromCookie(req);
  const sort = req.nextUrl.searchParams.get('sort') ?? 'submitted_at';
  const rows = await prisma.$queryRawUnsafe( // expect: JS-SQLI-001
    `SELECT assignment, score, submitted_at FROM grades WHERE student_id = '${me.sub}' ORDER BY ${sort} DESC`,
  );
  return NextResponse.json(rows);
}

export async function submitAssignment(req: NextRequest) {
  const me = await viewer(req);
  const form = await req.formData();
  const file = form.get('file') as File;
  const lang = String(form.get('language'));
  const assignment = Number(form.get('assignment'));
  const dest = path.join(SUBMISSIONS, String(assignment), `${me.sub}-${Date.now()}.zip`);
  await writeFile(dest, Buffer.from(await file.arrayBuffer()));
  const script = GRADERS[lang as keyof typeof GRADERS];
  if (!script) return NextResponse.json({ error: 'unsupported language' }, { status: 400 });
  const child = spawn(`/opt/graders/${script}`, [dest, '--timeout', '60'], { shell: false }); // ok: JS-CMDI-001
  child.unref();
  return NextResponse.json({ queued: true }, { status: 202 });
}

export async function regrade(req: NextRequest) {
  const { submissionPath, flags } = await req.json();
  const output = execSync(`/opt/graders/regrade.sh ${submissionPath} ${flags ?? ''}`, { timeout: 120_000 }); // expect: JS-CMDI-001
  return new NextResponse(output, { headers: { 'content-type': 'text/plain' } });
}

export async function downloadSubmission(req: NextRequest) {
  await viewer(req);
  const rel = req.nextUrl.searchParams.get('file') ?? '';
  const data = await readFile(path.join(SUBMISSIONS, rel)); // expect: JS-PATH-001
  return new NextResponse(data, { headers: { 'content-type': 'application/zip' } });
}

export async function uploadRubric(req: NextRequest) {
  const me = await viewer(req);
  if (me.role !== 'instructor') return NextResponse.json({ error: 'forbidden' }, { status: 403 });
  const xml = await req.text();
  const doc = libxmljs.parseXml(xml, { noent: true, nonet: false }); // expect: JS-XXE-001
  const criteria = doc.find('//criterion').map((c) => ({ name: c.attr('name')?.value(), points: Number(c.attr('points')?.value()) }));
  return NextResponse.json({ criteria });
}

export async function previewFormula(req: NextRequest) {
  const me = await viewer(req);
  const { formula, scores } = await req.json();
  try {
    const total = vm.runInNewContext(formula, { ...scores, Math }, { timeout: 50 }); // expect: JS-EVAL-001
    return NextResponse.json({ total, by: me.sub });
  } catch (e) {
    return NextResponse.json({ error: (e as Error).message, stack: (e as Error).stack }, { status: 500 }); // expect: JS-ERRLEAK-001
  }
}

export async function finishLogin(req: NextRequest) {
  const callbackUrl = req.nextUrl.searchParams.get('callbackUrl') ?? '/dashboard';
  return NextResponse.redirect(new URL(callbackUrl, req.url)); // expect: JS-REDIRECT-001
}

export async function finishLogout(req: NextRequest) {
  const back = req.nextUrl.searchParams.get('back') ?? '/';
  const safe = back.startsWith('/') && !back.startsWith('//') && !back.includes('\\') ? back : '/';
  return NextResponse.redirect(new URL(safe, req.url)); // ok: JS-REDIRECT-001
}

export async function POST(req: NextRequest) { // ok: JS-RATE-001
  const ip = req.headers.get('x-real-ip') ?? 'unknown';
  const { success } = await ratelimit.limit(`login:${ip}`);
  if (!success) return NextResponse.json({ error: 'too many attempts' }, { status: 429 });
  const { email, password } = await req.json();
  const user = await prisma.user.findUnique({ where: { email: String(email) } });
  const ok = user ? await bcrypt.compare(String(password), user.passwordHash) : false;
  if (!ok) return NextResponse.json({ error: 'Invalid e-mail or password' }, { status: 401 }); // ok: JS-ENUM-001
  return NextResponse.json({ ok: true });
}

export async function verifyGuestCode(req: NextRequest) { // expect: JS-RATE-001
  const { email, code } = await req.json();
  const invite = await prisma.guestInvite.findFirst({ where: { email: String(email) } });
  if (!invite) return NextResponse.json({ error: 'No guest invitation was sent to this address' }, { status: 404 }); // expect: JS-ENUM-001
  if (invite.code !== String(code)) return NextResponse.json({ error: 'Wrong code' }, { status: 401 }); // expect: JS-TIMING-001
  return NextResponse.json({ ok: true });
}
