// Fastify and Hono utilities for the partner portal: redirects, feed fetching, filtering, templates.
import Fastify from "fastify";
import { Hono } from "hono";
import got from "got";
import http from "node:http";
import vm from "node:vm";
import yaml from "js-yaml";

const fastify = Fastify({ logger: true });
const app = new Hono();

fastify.get<{ Querystring: { next: string } }>("/continue", async (request, reply) => {
  return reply.redirect(request.query.next); // expect: JS-REDIRECT-001
});

fastify.get<{ Querystring: { feed: string } }>("/feeds/fetch", async (request, reply) => {
  const body = await got(request.query.feed).text(); // expect: JS-SSRF-001
  return reply.type("application/rss+xml").send(body);
});

fastify.post<{ Body: { host: string; path: string } }>("/health/probe", async (request, reply) => {
  const { host, path } = request.body;
  http.request({ host, path, method: "GET" }, (upstream) => { // expect: JS-SSRF-001
    reply.send({ status: upstream.statusCode });
  }).end();
});

fastify.setErrorHandler((error, request, reply) => {
  reply.status(500).send({ message: error.message, stack: error.stack }); // expect: JS-ERRLEAK-001
});

app.get("/login/callback", (c) => {
  const next = c.req.query("next") || "/";
  return c.redirect(next); // expect: JS-REDIRECT-001
});

app.post("/rules/test", async (c) => {
  const { rule, sample } = await c.req.json();
  const matches = vm.runInNewContext(rule, { sample }); // expect: JS-EVAL-001
  return c.json({ matches });
});

app.post("/highlight", async (c) => {
  const { text, word } = await c.req.json();
  const re = new RegExp(`\\b${word}\\b`, "g"); // expect: JS-REDOS-001
  return c.json({ html: String(text).replace(re, "<mark>$&</mark>") });
});

app.post("/import/yaml", async (c) => {
  const doc = yaml.load(await c.req.text(), { schema: yaml.DEFAULT_FULL_SCHEMA }); // expect: JS-DESER-001
  return c.json(doc as object);
});

export { fastify, app };
