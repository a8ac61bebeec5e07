// Freight tracker: shipments controller (NestJS + TypeORM + @nestjs/axios).
//
// Shippers track consignments, download transport documents and register status callbacks; carriers push status
// events; dispatchers sign in to the back office. Attacker data: query strings, route params and JSON bodies of the
// public tracking page and the shipper portal, the carriers' webhook bodies and headers (status text is typed by
// drivers), and the callback URLs shippers register.

import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { exec } from 'child_process';
import { basename, join } from 'path';
import {
  Body, Controller, Get, Headers, HttpCode, InternalServerErrorException, Logger, Param, Post, Query, Req, Res,
  UnauthorizedException, UseGuards,
} from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { InjectRepository } from '@nestjs/typeorm';
import { Throttle } from '@nestjs/throttler';
import { Response } from 'express';
import * as argon2 from 'argon2';
import * as jwt from 'jsonwebtoken';
import { firstValueFrom } from 'rxjs';
import { Repository } from 'typeorm';
import { Dispatcher, Shipment } from './entities';
import { ShipperGuard, ShipperRequest } from './shipper.guard';

const DOCS_DIR = '/srv/freight/documents';
const carrierConfig = {
  baseUrl: 'https://api.carrier-hub.example.com/v3',
  apiKey: 'a4d7e1a9b0c3f52e86a1d9b7c03e58f1',  // expect: JS-SECRET-001
  timeoutMs: 8000,
};
const SORTABLE = { eta: 's.eta', created: 's.created_at', weight: 's.weight_kg' } as const;

class CarrierEventDto {
  trackingNo!: string;
  carrier!: string;
  statusText!: string;
  location?: string;
}

@Controller('shipments')
export class ShipmentsController {
  private readonly logger = new Logger(ShipmentsController.name);

  constructor(
    @InjectRepository(Shipment) private readonly shipments: Repository<Shipment>,
    @InjectRepository(Dispatcher) private readonly dispatchers: Repository<Dispatcher>,
    private readonly http: HttpService,
  ) {}

  @Get('track/:trackingNo')
  async track(@Param('trackingNo') trackingNo: string) {
    const rows = await this.shipments.query(`SELECT status, eta, last_location FROM shipments WHERE tracking_no = '${trackingNo}'`);  // expect: JS-SQLI-001
    return rows[0] ?? { status: 'unknown' };
  }

  @Get('track/:trackingNo/carrier')
  async carrierView(@Param('trackingNo') trackingNo: string) {
    const url = `${carrierConfig.baseUrl}/consignments/${encodeURIComponent(trackingNo)}`;
    const reply = await firstValueFrom(this.http.get(url, { headers: { 'x-api-key': carrierConfig.apiKey }, timeout: carrierConfig.timeoutMs }));  // ok: JS-SSRF-001
    return { events: reply.data.events ?? [] };
  }

  @Get()
  @UseGuards(ShipperGuard)
  async list(@Req() req: ShipperRequest, @Query('sort') sort: keyof typeof SORTABLE = 'eta') {
    return this.shipments
      .createQueryBuilder('s')
      .where('s.shipper_id = :shipperId', { shipperId: req.shipper.id })  // ok: JS-SQLI-001
      .orderBy(SORTABLE[sort] ?? 's.eta', 'ASC')
      .take(100)
      .getMany();
  }

  @Get(':id/documents/:name')
  @UseGuards(ShipperGuard)
  async document(@Req() req: ShipperRequest, @Param('id') id: string, @Param('name') name: string, @Query('kind') kind: string, @Res() res: Response) {
    await this.shipments.findOneByOrFail({ id, shipperId: req.shipper.id });
    if (kind === 'pod') {
      return res.download(join(DOCS_DIR, id, 'pod', basename(name)));  // ok: JS-PATH-001
    }
    return res.download(join(DOCS_DIR, id, kind ?? 'misc', name));  // expect: JS-PATH-001
  }

  @Post(':id/label')
  @UseGuards(ShipperGuard)
  async printLabel(@Req() req: ShipperRequest, @Param('id') id: string, @Body() body: { printer: string; copies: number }) {
    const shipment = await this.shipments.findOneByOrFail({ id, shipperId: req.shipper.id });
    return new Promise((resolve, reject) => {
      exec(`lpr -P ${body.printer} -# ${body.copies} ${DOCS_DIR}/${shipment.id}/label.pdf`, (err) => (err ? reject(err) : resolve({ queued: true })));  // expect: JS-CMDI-001
    });
  }

  @Post(':id/callbacks')
  @UseGuards(ShipperGuard)
  async registerCallback(@Req() req: ShipperRequest, @Param('id') id: string, @Body() body: { url: string }) {
    try {
      await this.shipments.findOneByOrFail({ id, shipperId: req.shipper.id });
      const probe = await firstValueFrom(this.http.post(body.url, { shipmentId: id, event: 'callback.verify' }));  // expect: JS-SSRF-001
      await this.shipments.update({ id }, { callbackUrl: body.url });
      return { verified: probe.status < 300 };
    } catch (err: any) {
      throw new InternalServerErrorException(`callback check failed: ${err.message}`);  // expect: JS-ERRLEAK-001
    }
  }

  @Post('carrier-events')
  @HttpCode(202)
  async carrierEvent(@Headers('x-carrier-signature') signature: string, @Headers('x-carrier-token') token: string, @Body() event: CarrierEventDto) {
    const claims = jwt.decode(token) as { carrier?: string } | null;  // expect: JS-JWT-001
    if (!claims || claims.carrier !== event.carrier) throw new UnauthorizedException();
    const expected = createHmac('sha256', process.env.CARRIER_WEBHOOK_SECRET!).update(JSON.stringify(event)).digest('hex');
    if (signature !== expected) throw new UnauthorizedException();  // expect: JS-TIMING-001
    this.logger.log(`carrier ${event.carrier} says ${event.trackingNo}: ${event.statusText}`);  // expect: JS-LOG-001
    this.logger.log({ msg: 'carrier event', trackingNo: event.trackingNo, location: event.location });  // ok: JS-LOG-001
    await this.shipments.update({ trackingNo: event.trackingNo }, { status: event.statusText.slice(0, 120) });
  }

  @Post('carrier-events/v2')
  @HttpCode(202)
  async carrierEventV2(@Headers('x-carrier-signature') signature = '', @Body() event: CarrierEventDto) {
    const expected = createHmac('sha256', process.env.CARRIER_WEBHOOK_SECRET!).update(JSON.stringify(event)).digest();
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UnauthorizedException();  // ok: JS-TIMING-001
    await this.shipments.update({ trackingNo: event.trackingNo }, { status: event.statusText.slice(0, 120) });
  }

  @Throttle({ default: { limit: 5, ttl: 60_000 } })
  @Post('/dispatch/login')  // ok: JS-RATE-001
  async dispatcherLogin(@Body() body: { username: string; password: string }, @Res({ passthrough: true }) res: Response) {
    const dispatcher = await this.dispatchers.findOneBy({ username: body.username });
    if (!dispatcher) throw new UnauthorizedException('No dispatcher is registered under that username');  // expect: JS-ENUM-001
    if (!(await argon2.verify(dispatcher.passwordHash, body.password))) {  // ok: JS-HASH-001
      throw new UnauthorizedException('The password for this dispatcher is not correct');  // expect: JS-ENUM-001
    }
    const sessionId = randomBytes(32).toString('hex');
    await this.dispatchers.update({ id: dispatcher.id }, { sessionId });
    res.cookie('dispatch_sid', sessionId, { sameSite: 'strict', maxAge: 8 * 3600 * 1000 });  // expect: JS-COOKIE-001
    return { ok: true };
  }
}
