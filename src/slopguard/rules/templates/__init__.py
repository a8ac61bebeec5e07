"""Template files (EJS, Handlebars/Mustache, Pug, Jinja/Django/Nunjucks/Twig, Thymeleaf, JSP, Go templates, Vue,
Svelte, Angular): output that skips the engine's HTML escaping, and escaping switched off."""
