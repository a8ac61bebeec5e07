// Deploy bot: receives push webhooks from the Git server and redeploys preview environments.
import { exec, spawn } from "node:child_process";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import express, { NextFunction, Request, Response } from "express";

interface PushEvent {
  ref: string;
  after: string;
  repository: { full_name: string };
  sender: { login: string };
}

const REPO_DIR = process.env.PREVIEW_REPO_DIR ?? "/srv/previews/repo";
const ARTIFACTS = path.resolve(process.env.ARTIFACT_DIR ?? "/srv/previews/artifacts");
const GIT_SECRET = process.env.GIT_WEBHOOK_SECRET ?? "";
const LEGACY_CI_SECRET = process.env.LEGACY_CI_SECRET ?? "";

const BRANCH_NAME = /^([a-z0-9]+[-_./]?)+$/i;
const BRANCH_NAME_STRICT = /^[a-z0-9][a-z0-9._/-]{0,99}$/i;

const app = express(); // expect: JS-HEADERS-001
app.use(express.json({ limit: "512kb", verify: (req, _res, buf) => ((req as any).rawBody = buf) }));

app.use((req: Request, res: Response, next: NextFunction) => {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader("Access-Control-Allow-Origin", origin); // expect: JS-CORS-001
    res.setHeader("Access-Control-Allow-Credentials", "true");
  }
  next();
});

function verifyGitSignature(req: Request): boolean {
  const header = String(req.headers["x-hub-signature-256"] ?? "");
  const expected = "sha256=" + createHmac("sha256", GIT_SECRET).update((req as any).rawBody).digest("hex"); // ok: JS-HASH-001
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b); // ok: JS-TIMING-001
}

function verifyLegacyCi(req: Request): boolean {
  const token = String(req.headers["x-ci-token"] ?? "");
  const expected = createHash("md5").update(LEGACY_CI_SECRET + req.params.build).digest("hex"); // expect: JS-HASH-001
  return token === expected; // expect: JS-TIMING-001
}

app.post("/hooks/push", (req: Request, res: Response) => {
  if (!verifyGitSignature(req)) return res.sendStatus(401);
  const event = req.body as PushEvent;
  console.log(`push to ${event.ref} by ${event.sender.login}`); // expect: JS-LOG-001
  const branch = event.ref.replace("refs/heads/", "");
  if (!BRANCH_NAME.test(branch)) return res.status(400).send("bad branch name"); // expect: JS-REDOS-002
  exec(`git -C ${REPO_DIR} fetch origin ${branch} && git -C ${REPO_DIR} checkout ${event.after}`, (err) => { // expect: JS-CMDI-001
    if (err) console.error("checkout failed", err.message);
  });
  res.status(202).json({ queued: branch });
});

app.post("/hooks/push-v2", (req: Request, res: Response) => {
  if (!verifyGitSignature(req)) return res.sendStatus(401);
  const event = req.body as PushEvent;
  console.log(JSON.stringify({ msg: "push", ref: event.ref, sender: event.sender.login })); // ok: JS-LOG-001
  const branch = event.ref.replace("refs/heads/", "");
  if (!BRANCH_NAME_STRICT.test(branch) || !/^[0-9a-f]{40}$/.test(event.after)) { // ok: JS-REDOS-002
    return res.status(400).send("bad ref");
  }
  const git = spawn("git", ["-C", REPO_DIR, "checkout", "--detach", event.after], { shell: false }); // ok: JS-CMDI-001
  git.on("exit", (code) => console.log(JSON.stringify({ msg: "checkout finished", code })));
  res.status(202).json({ queued: branch });
});

app.get("/builds/:build/logs", async (req: Request, res: Response) => {
  if (!verifyLegacyCi(req)) return res.sendStatus(403);
  const log = await readFile(path.join(ARTIFACTS, path.basename(req.params.build), "build.log"), "utf8");
  const filter = String(req.query.grep ?? "");
  const matcher = new RegExp(filter, "i"); // expect: JS-REDOS-001
  res.json({ lines: log.split("\n").filter((line) => matcher.test(line)).slice(0, 500) });
});

app.get("/builds/:build/artifacts", (req: Request, res: Response) => {
  if (!verifyLegacyCi(req)) return res.sendStatus(403);
  const file = path.join(ARTIFACTS, req.params.build, String(req.query.file));
  res.download(file); // expect: JS-PATH-001
});

app.get("/builds/:build/artifacts-v2", (req: Request, res: Response) => {
  if (!verifyLegacyCi(req)) return res.sendStatus(403);
  const file = path.resolve(ARTIFACTS, path.basename(req.params.build), path.basename(String(req.query.file)));
  if (!file.startsWith(ARTIFACTS + path.sep)) return res.sendStatus(400);
  res.download(file); // ok: JS-PATH-001
});

app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
  res.status(500).type("text/plain").send(`Deploy bot error:\n${err.stack}`); // expect: JS-ERRLEAK-001
});

app.listen(Number(process.env.PORT ?? 8085), () => console.log("deploy bot listening"));
