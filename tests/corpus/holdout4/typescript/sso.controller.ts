// OAuth 2.0 / OpenID Connect sign-in for the support portal: start, callback, SAML fallback and logout.
import { Body, Controller, Get, Logger, Post, Query, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpService } from '@nestjs/axios';
import { Throttle } from '@nestjs/throttler';
import { Request, Response } from 'express';
import { firstValueFrom } from 'rxjs';
import * as crypto from 'crypto';
import * as jwt from 'jsonwebtoken';
import * as libxmljs from 'libxmljs2';
import { SessionService } from './session.service';
import { UsersService } from './users.service';

interface Provider {
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  jwksKey: string;
}

const LEGACY_CLIENT_SECRET = '3f9a0c6e1b7d42a58e0f6c2d9b1a7e43'; // expect: JS-SECRET-001
const SESSION_COOKIE = { httpOnly: true, secure: true, sameSite: 'lax' as const, maxAge: 8 * 3600 * 1000 };

@Controller('auth')
@Throttle({ default: { limit: 30, ttl: 60_000 } })
export class SsoController {
  private readonly logger = new Logger(SsoController.name);
  private readonly providers: Record<string, Provider>;

  constructor(
    private readonly http: HttpService,
    private readonly config: ConfigService,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
  ) {
    this.providers = this.config.getOrThrow<Record<string, Provider>>('sso.providers');
  }

  @Get('start')
  start(@Query('provider') provider: string, @Query('returnTo') returnTo: string, @Req() req: Request, @Res() res: Response) {
    const p = this.providers[provider];
    if (!p) throw new UnauthorizedException('unknown provider');
    const state = crypto.randomBytes(24).toString('base64url');
    req.session.oauth = { state, provider, returnTo };
    const url = new URL(`${p.issuer}/authorize`);
    url.search = new URLSearchParams({ client_id: p.clientId, response_type: 'code', state, scope: 'openid email' }).toString();
    res.redirect(url.toString()); // ok: JS-REDIRECT-001
  }

  @Get('callback') // ok: JS-RATE-001
  async callback(@Query() query: Record<string, string>, @Req() req: Request, @Res() res: Response) {
    const pending = req.session.oauth;
    const given = Buffer.from(String(query.state ?? ''));
    const expected = Buffer.from(pending?.state ?? '');
    if (!pending || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) { // ok: JS-TIMING-001
      throw new UnauthorizedException('state mismatch');
    }
    const p = this.providers[pending.provider];
    this.logger.log(`SSO callback for provider ${query.provider} (${query.session_state})`); // expect: JS-LOG-001
    const tokens = await firstValueFrom(
      this.http.post(p.tokenEndpoint, new URLSearchParams({ grant_type: 'authorization_code', code: query.code, client_id: p.clientId, client_secret: p.clientSecret })), // ok: JS-SSRF-001
    );
    const claims = jwt.verify(tokens.data.id_token, p.jwksKey, { algorithms: ['RS256'], audience: p.clientId, issuer: p.issuer }) as jwt.JwtPayload; // ok: JS-JWT-001, JS-JWT-002
    const user = await this.users.upsertFromSso(p.issuer, String(claims.sub), String(claims.email));
    const sid = await this.sessions.create(user.id);
    res.cookie('support_sid', sid, SESSION_COOKIE); // ok: JS-COOKIE-001
    const returnTo = pending.returnTo ?? '/';
    res.redirect(returnTo.startsWith('/') && !returnTo.startsWith('//') && !returnTo.startsWith('/\\') ? returnTo : '/'); // ok: JS-REDIRECT-001
  }

  @Get('legacy/callback')
  async legacyCallback(@Query('code') code: string, @Query('issuer') issuer: string, @Query('next') next: string, @Res() res: Response) {
    const tokenResponse = await firstValueFrom(
      this.http.post(`${issuer}/oauth/token`, { code, client_id: 'support-portal', client_secret: LEGACY_CLIENT_SECRET }), // expect: JS-SSRF-001
    );
    const claims = jwt.decode(tokenResponse.data.id_token) as jwt.JwtPayload; // expect: JS-JWT-001
    const user = await this.users.findByEmail(String(claims.email));
    const sid = await this.sessions.create(user.id);
    res.cookie('support_sid', sid); // expect: JS-COOKIE-001
    res.redirect(next || '/'); // expect: JS-REDIRECT-001
  }

  @Post('saml/acs')
  async samlAcs(@Body('SAMLResponse') samlResponse: string, @Res() res: Response) {
    const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
    const doc = libxmljs.parseXml(xml, { noent: true, nonet: false }); // expect: JS-XXE-001
    const nameId = doc.get('//*[local-name()="NameID"]')?.text();
    if (!nameId) throw new UnauthorizedException('no subject');
    const user = await this.users.findSamlUser(nameId, doc);
    const sid = await this.sessions.create(user.id);
    res.cookie('support_sid', sid, SESSION_COOKIE);
    res.redirect('/');
  }

  @Post('saml/metadata/validate')
  validateMetadata(@Body('xml') xml: string) {
    const doc = libxmljs.parseXml(xml, { noent: false, nonet: true }); // ok: JS-XXE-001
    return { entityId: doc.root()?.attr('entityID')?.value() ?? null };
  }

  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @Post('break-glass') // ok: JS-RATE-001
  async breakGlass(@Body() body: { email: string; code: string }, @Res() res: Response) {
    try {
      const user = await this.users.verifyBreakGlassCode(body.email, body.code);
      const sid = await this.sessions.create(user.id);
      res.cookie('support_sid', sid, SESSION_COOKIE);
      res.json({ ok: true });
    } catch (err) {
      res.status(500).json({ error: (err as Error).message }); // expect: JS-ERRLEAK-001
    }
  }

  @Get('logout')
  async logout(@Req() req: Request, @Res() res: Response) {
    await this.sessions.destroy(req.cookies?.support_sid);
    res.clearCookie('support_sid', SESSION_COOKIE);
    res.redirect('/signed-out');
  }
}
