// Insurance claims API for Meridian Mutual (NestJS + TypeORM). Policy holders file claims and upload photo
// evidence; adjusters sign in, search, annotate and export claims; a fraud-scoring partner calls back with
// a signed verdict. Attacker data: DTO fields, query strings and route params from policy holders (anyone
// can register a policy online), photo URLs they submit, and the partner callback's body and token.
import {
  Body, Controller, Get, HttpException, HttpStatus, InternalServerErrorException, Logger, Param, Post, Query, Res,
  UnauthorizedException, UseGuards,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import { Throttle } from '@nestjs/throttler';
import { HttpService } from '@nestjs/axios';
import { Repository } from 'typeorm';
import { Response } from 'express';
import { exec } from 'child_process';
import { randomBytes, randomInt } from 'crypto';
import { basename, join } from 'path';
import * as bcrypt from 'bcrypt';
import * as jwt from 'jsonwebtoken';
import { Adjuster, Claim } from './entities';
import { ClaimSearchDto, FileClaimDto, PartnerVerdictDto, SignInDto } from './dto';
import { MailService } from './mail.service';

const EVIDENCE_ROOT = '/var/meridian/evidence';
const PARTNER_KEY = process.env.FRAUD_PARTNER_PUBLIC_KEY as string;
const ADJUSTER_JWT_SECRET = process.env.ADJUSTER_JWT_SECRET as string;

@Controller('claims')
export class ClaimsController {
  private readonly logger = new Logger(ClaimsController.name);

  constructor(
    @InjectRepository(Claim) private readonly claims: Repository<Claim>,
    @InjectRepository(Adjuster) private readonly adjusters: Repository<Adjuster>,
    private readonly http: HttpService,
    private readonly mail: MailService,
  ) {}

  @Post()
  @UseGuards(AuthGuard('jwt'))
  async fileClaim(@Body() dto: FileClaimDto) {
    const claim = this.claims.create({ ...dto, status: 'new' });
    claim.reference = `MM-${new Date().getFullYear()}-${randomInt(100000, 999999)}`; // ok: JS-RAND-001
    claim.portalCode = Math.random().toString(36).substring(2, 8); // expect: JS-RAND-001
    await this.claims.save(claim);
    if (dto.photoUrl) {
      const photo = await this.http.axiosRef.get(dto.photoUrl, { responseType: 'arraybuffer' }); // expect: JS-SSRF-001
      await this.storeEvidence(claim.id, 'photo-1.jpg', Buffer.from(photo.data));
    }
    await this.mail.send(dto.email, 'Your claim', `Reference ${claim.reference}, portal code ${claim.portalCode}`);
    return { reference: claim.reference };
  }

  @Get('search')
  @UseGuards(AuthGuard('adjuster'))
  async search(@Query() dto: ClaimSearchDto) {
    const qb = this.claims.createQueryBuilder('c').where('c.status = :status', { status: dto.status ?? 'open' }); // ok: JS-SQLI-001
    if (dto.notes) {
      qb.andWhere(`c.adjuster_notes ILIKE '%${dto.notes}%'`); // expect: JS-SQLI-001
    }
    return qb.orderBy('c.created_at', 'DESC').take(50).getMany();
  }

  @Get('by-policy/:policyNo')
  @UseGuards(AuthGuard('adjuster'))
  async byPolicy(@Param('policyNo') policyNo: string) {
    try {
      return await this.claims.query(`SELECT * FROM claims WHERE policy_no = '${policyNo}' ORDER BY created_at`); // expect: JS-SQLI-001
    } catch (err) {
      throw new InternalServerErrorException((err as Error).message); // expect: JS-ERRLEAK-001
    }
  }

  @Get(':id/evidence/:file')
  @UseGuards(AuthGuard('adjuster'))
  evidence(@Param('id') id: string, @Param('file') file: string, @Res() res: Response) {
    res.sendFile(basename(file), { root: join(EVIDENCE_ROOT, String(Number(id))) }); // ok: JS-PATH-001
  }

  @Get(':id/evidence-legacy')
  @UseGuards(AuthGuard('adjuster'))
  evidenceLegacy(@Param('id') id: string, @Query('path') path: string, @Res() res: Response) {
    res.sendFile(join(EVIDENCE_ROOT, id, path)); // expect: JS-PATH-001
  }

  @Post(':id/notes')
  @UseGuards(AuthGuard('adjuster'))
  async annotate(@Param('id') id: string, @Body('note') note: string) {
    await this.claims.update({ id: Number(id) }, { adjusterNotes: note });
    this.logger.log(`claim ${id} annotated: ${note}`); // expect: JS-LOG-001
    return { ok: true };
  }

  @Post(':id/export')
  @UseGuards(AuthGuard('adjuster'))
  async exportPdf(@Param('id') id: string, @Body('template') template: string) {
    const out = join('/tmp/meridian', `${Number(id)}.pdf`);
    exec(`wkhtmltopdf "https://claims.internal.example/render/${id}?tpl=${template}" ${out}`); // expect: JS-CMDI-001
    return { file: basename(out) };
  }

  @Post('partner/verdict')
  async partnerVerdict(@Body() dto: PartnerVerdictDto) {
    const claims = jwt.verify(dto.token, PARTNER_KEY) as { claimId: number; score: number }; // expect: JS-JWT-002
    await this.claims.update({ id: claims.claimId }, { fraudScore: claims.score });
    return { ok: true };
  }

  @Post('adjusters/sign-in')
  @Throttle({ default: { limit: 5, ttl: 60_000 } }) // ok: JS-RATE-001
  async signIn(@Body() dto: SignInDto) {
    const adjuster = await this.adjusters.findOne({ where: { email: dto.email.toLowerCase() } });
    const ok = adjuster ? await bcrypt.compare(dto.password, adjuster.passwordHash) : false;
    if (!adjuster || !ok) throw new UnauthorizedException('Invalid e-mail or password'); // ok: JS-ENUM-001
    const token = jwt.sign({ sub: adjuster.id, role: 'adjuster' }, ADJUSTER_JWT_SECRET, { algorithm: 'HS256', expiresIn: '8h' });
    return { token };
  }

  @Post('adjusters/reset')
  @Throttle({ default: { limit: 3, ttl: 60_000 } })
  async requestReset(@Body('email') email: string) {
    const adjuster = await this.adjusters.findOne({ where: { email: String(email).toLowerCase() } });
    if (!adjuster) {
      throw new HttpException('This address does not belong to any adjuster', HttpStatus.NOT_FOUND); // expect: JS-ENUM-001
    }
    adjuster.resetToken = randomBytes(32).toString('hex'); // ok: JS-RAND-001
    await this.adjusters.save(adjuster);
    await this.mail.send(adjuster.email, 'Reset', `https://claims.meridian.example/reset?t=${adjuster.resetToken}`);
    return { sent: true };
  }

  private async storeEvidence(claimId: number, name: string, data: Buffer): Promise<void> {
    const { writeFile, mkdir } = await import('fs/promises');
    const dir = join(EVIDENCE_ROOT, String(claimId));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, name), data);
  }
}
