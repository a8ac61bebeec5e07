// School timetable: Next.js app-router route handlers (Prisma + jose).
//
// Room and course search, class timetables, the public "who is teaching today" page, calendar exports, teacher
// sign-in, substitution notes and parent access codes. Attacker data: search params and JSON bodies of every
// request, the `tt_session` cookie, and the `x-kiosk-token` header sent by the corridor display screens.

import { createHash, createHmac, randomUUID } from 'crypto';
import { cookies } from 'next/headers';
import { NextRequest, NextResponse } from 'next/server';
import { Prisma, PrismaClient } from '@prisma/client';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import escapeHtml from 'escape-html';

const prisma = new PrismaClient();
const sessionKey = new TextEncoder().encode(process.env.TIMETABLE_SESSION_KEY);
const parentCodeKey = process.env.PARENT_CODE_HMAC_KEY!;
const limiter = new Ratelimit({ redis: Redis.fromEnv(), limiter: Ratelimit.slidingWindow(5, '1 m') });

async function currentTeacher(req: NextRequest) {
  const token = req.cookies.get('tt_session')?.value ?? '';
  const { payload } = await jwtVerify(token, sessionKey, { algorithms: ['HS256'] });  // ok: JS-JWT-001
  return payload as { sub: string; role: string };
}

function parentCodeDigest(code: string): string {
  return createHmac('sha256', parentCodeKey).update(code).digest('hex');  // ok: JS-HASH-001
}

export async function searchRooms(req: NextRequest) {
  const q = req.nextUrl.searchParams.get('q') ?? '';
  const rooms = await prisma.$queryRaw`SELECT id, name, capacity FROM rooms WHERE name ILIKE ${'%' + q + '%'} ORDER BY name`;  // ok: JS-SQLI-001
  return NextResponse.json(rooms);
}

export async function searchCourses(req: NextRequest) {
  const params = req.nextUrl.searchParams;
  const year = Number(params.get('year') ?? '0');
  const subject = params.get('subject') ?? '';
  try {
    const rows = await prisma.$queryRawUnsafe(  // expect: JS-SQLI-001
      `SELECT id, title, teacher_id FROM courses WHERE year_group = ${year} AND subject = '${subject}'`,
    );
    return NextResponse.json(rows);
  } catch (e) {
    return NextResponse.json({ error: 'search failed', cause: String(e) }, { status: 500 });  // expect: JS-ERRLEAK-001
  }
}

export async function filterLessons(req: NextRequest) {
  const pattern = req.nextUrl.searchParams.get('match') ?? '.*';
  const matcher = new RegExp(pattern, 'i');  // expect: JS-REDOS-001
  const lessons = await prisma.lesson.findMany({ select: { id: true, title: true, room: true }, take: 500 });
  return NextResponse.json(lessons.filter((l) => matcher.test(l.title)));
}

export async function todayPage(req: NextRequest) {
  const room = req.nextUrl.searchParams.get('room') ?? '';
  const lessons = await prisma.lesson.findMany({ where: { room, day: new Date().getDay() }, orderBy: { starts: 'asc' } });
  const items = lessons.map((l) => `<li>${escapeHtml(l.title)} (${escapeHtml(l.teacherName)})</li>`).join('');  // ok: JS-XSS-002
  const html = `<!doctype html><h1>Room ${room}</h1><ul>${items}</ul>`;
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });  // expect: JS-XSS-002
}

export async function signIn(req: NextRequest) {  // ok: JS-RATE-001
  const ip = req.headers.get('x-forwarded-for') ?? 'unknown';
  if (!(await limiter.limit(`signin:${ip}`)).success) return NextResponse.json({ error: 'slow down' }, { status: 429 });
  const { staffNumber, password } = await req.json();
  const teacher = await prisma.teacher.findUnique({ where: { staffNumber: String(staffNumber) } });
  if (!teacher) {
    return NextResponse.json({ error: 'No teacher is registered with that staff number' }, { status: 401 });  // expect: JS-ENUM-001
  }
  const digest = createHash('sha256').update(`${teacher.salt}${password}`).digest('hex');  // expect: JS-HASH-001
  if (digest !== teacher.passwordHash) {  // expect: JS-TIMING-001
    return NextResponse.json({ error: 'Incorrect password for this staff number' }, { status: 401 });  // expect: JS-ENUM-001
  }
  const token = await new SignJWT({ role: teacher.role }).setProtectedHeader({ alg: 'HS256' }).setSubject(teacher.id).setExpirationTime('8h').sign(sessionKey);
  cookies().set('tt_session', token, { httpOnly: true, path: '/' });  // expect: JS-COOKIE-001
  const next = req.nextUrl.searchParams.get('next') ?? '/timetable';
  return NextResponse.redirect(new URL(next, req.url));  // expect: JS-REDIRECT-001
}

export async function switchView(req: NextRequest) {
  const view = req.nextUrl.searchParams.get('view') ?? '/timetable';
  const target = view.startsWith('/') && !view.startsWith('//') ? view : '/timetable';
  return NextResponse.redirect(new URL(target, req.nextUrl.origin));  // ok: JS-REDIRECT-001
}

export async function kioskFeed(req: NextRequest) {
  const claims = decodeJwt(req.headers.get('x-kiosk-token') ?? '');  // expect: JS-JWT-001
  if (claims.scope !== 'kiosk') return NextResponse.json({ error: 'forbidden' }, { status: 403 });
  const lessons = await prisma.lesson.findMany({ where: { building: String(claims.building) }, take: 200 });
  return NextResponse.json(lessons);
}

export async function verifyParentCode(req: NextRequest) {  // expect: JS-RATE-001
  const { pupilId, code } = await req.json();
  const record = await prisma.parentAccess.findFirst({ where: { pupilId: String(pupilId), codeHash: parentCodeDigest(String(code)) } });
  if (!record) return NextResponse.json({ error: 'That code did not work' }, { status: 401 });
  return NextResponse.json({ timetableUrl: `/pupil/${record.pupilId}` });
}

export async function issueParentCode(req: NextRequest) {
  const teacher = await currentTeacher(req);
  const { pupilId } = await req.json();
  const code = String(Math.floor(100000 + Math.random() * 900000));  // expect: JS-RAND-001
  await prisma.parentAccess.create({ data: { pupilId: String(pupilId), codeHash: parentCodeDigest(code), issuedBy: teacher.sub } });
  return NextResponse.json({ code });
}

export async function addSubstitutionNote(req: NextRequest) {
  const teacher = await currentTeacher(req);
  const { lessonId, note } = await req.json();
  const id = randomUUID();  // ok: JS-RAND-001
  await prisma.$executeRaw(Prisma.sql`INSERT INTO substitution_notes (id, lesson_id, author_id, note) VALUES (${id}, ${lessonId}, ${teacher.sub}, ${note})`);  // ok: JS-SQLI-001
  console.info('substitution note', JSON.stringify({ lessonId, by: teacher.sub }));  // ok: JS-LOG-001
  return NextResponse.json({ id }, { status: 201 });
}

export async function exportCalendar(req: NextRequest) {
  const teacher = await currentTeacher(req);
  const lessons = await prisma.lesson.findMany({ where: { teacherId: teacher.sub } });
  const body = ['BEGIN:VCALENDAR', ...lessons.map((l) => `BEGIN:VEVENT\r\nSUMMARY:${l.title}\r\nEND:VEVENT`), 'END:VCALENDAR'].join('\r\n');
  return new Response(body, { headers: { 'content-type': 'text/calendar', 'content-disposition': 'attachment; filename="timetable.ics"' } });
}
