// NestJS users module: directory search, sign-in, one-time codes and profile lookups.
import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomInt, timingSafeEqual } from 'crypto';
import * as argon2 from 'argon2';

interface SignInDto {
  email: string;
  password: string;
}

interface VerifyCodeDto {
  userId: number;
  code: string;
}

function legacyDigest(password: string, salt: string): string {
  return createHash('md5').update(salt + password).digest('hex'); // expect: JS-HASH-001
}

@Controller('users')
@UseGuards(ThrottlerGuard)
export class UsersController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jwt: JwtService,
  ) {}

  @Get('search')
  async search(@Query('name') name: string, @Query('team') team: string) {
    const rows = await this.db.query( // expect: JS-SQLI-001
      `SELECT id, display_name FROM users WHERE display_name ILIKE '%${name}%' AND team = '${team}' LIMIT 25`,
    );
    return rows;
  }

  @Get(':id')
  async profile(@Param('id', ParseIntPipe) id: number) {
    const rows = await this.db.query('SELECT id, display_name, team FROM users WHERE id = $1', [id]); // ok: JS-SQLI-001
    if (rows.length === 0) throw new NotFoundException();
    return rows[0];
  }

  @Post('sign-in')
  @HttpCode(200)
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  async signIn(@Body() dto: SignInDto) {
    const [user] = await this.db.query('SELECT id, password_hash, salt, legacy FROM users WHERE email = $1', [
      dto.email.toLowerCase(),
    ]);
    if (!user) {
      throw new NotFoundException('No account exists for this email address'); // expect: JS-ENUM-001
    }
    const ok = user.legacy
      ? legacyDigest(dto.password, user.salt) === user.password_hash // expect: JS-TIMING-001
      : await argon2.verify(user.password_hash, dto.password);
    if (!ok) {
      throw new UnauthorizedException('Incorrect password'); // expect: JS-ENUM-001
    }
    return { accessToken: await this.jwt.signAsync({ sub: user.id }) };
  }

  @Post('codes')
  @Throttle({ default: { limit: 3, ttl: 60_000 } })
  async sendCode(@Body('userId', ParseIntPipe) userId: number) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0'); // ok: JS-RAND-001
    await this.db.query('UPDATE users SET otp_code = $1, otp_expires = now() + interval \'5 minutes\' WHERE id = $2', [
      await argon2.hash(code),
      userId,
    ]);
    return { sent: true };
  }

  @Post('codes/verify')
  @HttpCode(200)
  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  async verifyCode(@Body() dto: VerifyCodeDto) {
    const [row] = await this.db.query('SELECT otp_code FROM users WHERE id = $1 AND otp_expires > now()', [dto.userId]);
    if (!row || !(await argon2.verify(row.otp_code, dto.code))) {
      throw new UnauthorizedException('Invalid or expired code'); // ok: JS-ENUM-001
    }
    return { accessToken: await this.jwt.signAsync({ sub: dto.userId, mfa: true }) };
  }

  @Post('recovery-codes/check')
  @HttpCode(200)
  async checkRecoveryCode(@Body() dto: VerifyCodeDto) {
    const [row] = await this.db.query('SELECT recovery_hash FROM users WHERE id = $1', [dto.userId]);
    const given = Buffer.from(createHash('sha256').update(dto.code).digest('hex')); // ok: JS-HASH-001
    const stored = Buffer.from(row?.recovery_hash ?? '');
    return { valid: given.length === stored.length && timingSafeEqual(given, stored) }; // ok: JS-TIMING-001
  }
}
