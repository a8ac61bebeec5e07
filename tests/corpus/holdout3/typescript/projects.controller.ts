import {
  Body,
  Controller,
  Get,
  HttpException,
  HttpStatus,
  Logger,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from "@nestjs/common";
import { InjectDataSource, InjectRepository } from "@nestjs/typeorm";
import type { Request, Response } from "express";
import { DataSource, Repository } from "typeorm";

import { JwtAuthGuard } from "../auth/jwt-auth.guard";
import { CreateProjectDto, ProjectQueryDto } from "./dto";
import { Project } from "./project.entity";

const SORTABLE: Record<string, string> = { name: "p.name", updated: "p.updatedAt", owner: "p.ownerId" };
const RETURN_PATHS = new Set(["/projects", "/dashboard", "/settings/projects"]);

interface AuthedRequest extends Request {
  user: { id: number; orgId: number; email: string };
}

@Controller("projects")
@UseGuards(JwtAuthGuard)
export class ProjectsController {
  private readonly logger = new Logger(ProjectsController.name);

  constructor(
    @InjectRepository(Project) private readonly projects: Repository<Project>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get()
  async list(@Req() req: AuthedRequest, @Query() query: ProjectQueryDto) {
    const order = SORTABLE[query.sort ?? "updated"] ?? "p.updatedAt";
    return this.projects
      .createQueryBuilder("p")
      .where("p.orgId = :orgId", { orgId: req.user.orgId }) // ok: JS-SQLI-001
      .andWhere("p.name ILIKE :q", { q: `%${query.q ?? ""}%` })
      .orderBy(order, "DESC")
      .take(50)
      .getMany();
  }

  @Get("search")
  async search(@Req() req: AuthedRequest, @Query("term") term = "") {
    this.logger.log(`project search by ${req.user.email}: ${term}`); // expect: JS-LOG-001
    return this.dataSource.query( // expect: JS-SQLI-001
      `SELECT id, name FROM project WHERE org_id = ${req.user.orgId} AND name ILIKE '%${term}%' LIMIT 50`,
    );
  }

  @Get("by-label")
  async byLabel(@Req() req: AuthedRequest, @Query("label") label: string) {
    const qb = this.projects.createQueryBuilder("p").where("p.orgId = :orgId", { orgId: req.user.orgId });
    qb.andWhere(`(:label = ANY(p.labels) OR p.category = '${label}')`, { label }); // expect: JS-SQLI-001
    return qb.getMany();
  }

  @Get("stats")
  async stats(@Req() req: AuthedRequest) {
    return this.dataSource.query( // ok: JS-SQLI-001
      "SELECT status, count(*) FROM project WHERE org_id = $1 GROUP BY status",
      [req.user.orgId],
    );
  }

  @Get(":id")
  async findOne(@Req() req: AuthedRequest, @Param("id", ParseIntPipe) id: number) {
    const project = await this.projects.findOneBy({ id, orgId: req.user.orgId });
    if (!project) throw new HttpException("Project not found", HttpStatus.NOT_FOUND);
    return project;
  }

  @Post()
  async create(@Req() req: AuthedRequest, @Body() dto: CreateProjectDto) {
    try {
      const project = this.projects.create({ ...dto, orgId: req.user.orgId, ownerId: req.user.id });
      const saved = await this.projects.save(project);
      this.logger.log({ msg: "project created", projectId: saved.id, name: dto.name }); // ok: JS-LOG-001
      return saved;
    } catch (err) {
      const e = err as Error;
      throw new HttpException({ message: e.message, stack: e.stack }, HttpStatus.INTERNAL_SERVER_ERROR); // expect: JS-ERRLEAK-001
    }
  }

  @Post(":id/archive")
  async archive(@Req() req: AuthedRequest, @Param("id", ParseIntPipe) id: number) {
    try {
      await this.projects.update({ id, orgId: req.user.orgId }, { archivedAt: new Date() });
    } catch (err) {
      this.logger.error("archive failed", (err as Error).stack);
      throw new HttpException("Could not archive the project", HttpStatus.INTERNAL_SERVER_ERROR); // ok: JS-ERRLEAK-001
    }
    return { archived: true };
  }

  @Get(":id/open")
  async open(@Param("id", ParseIntPipe) id: number, @Query("returnTo") returnTo: string, @Res() res: Response) {
    res.cookie("last_project", String(id), { sameSite: "lax", secure: true, httpOnly: true }); // ok: JS-COOKIE-001
    return res.redirect(returnTo || `/projects/${id}`); // expect: JS-REDIRECT-001
  }

  @Get(":id/close")
  async close(@Param("id", ParseIntPipe) id: number, @Query("returnTo") returnTo: string, @Res() res: Response) {
    const target = RETURN_PATHS.has(returnTo) ? returnTo : "/projects";
    return res.redirect(target); // ok: JS-REDIRECT-001
  }

  @Get(":id/embed")
  async embed(@Param("id", ParseIntPipe) id: number, @Query("title") title: string, @Res() res: Response) {
    res.type("html").send(`<html><body><h1>${title}</h1><div id="project" data-id="${id}"></div></body></html>`); // expect: JS-XSS-002
  }
}
