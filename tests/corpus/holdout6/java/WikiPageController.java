// Team wiki: page controller (Spring MVC + JdbcTemplate).
//
// Page search, rendering with macros, attachments, revision diffs, page import from the old wiki's XML export and
// the "jump to page" redirect. Attacker data: every request parameter and path variable, the page bodies and macro
// expressions any editor saves, uploaded attachment names, and the XML export files editors upload.
package com.example.wiki.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;

import org.owasp.html.PolicyFactory;
import org.owasp.html.Sanitizers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.PathResource;
import org.springframework.core.io.Resource;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.expression.spel.support.StandardEvaluationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.view.RedirectView;
import org.springframework.web.util.HtmlUtils;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

@RestController
@RequestMapping("/wiki")
public class WikiPageController {

    private static final Logger log = LoggerFactory.getLogger(WikiPageController.class);
    private static final Path ATTACHMENTS = Paths.get("/srv/wiki/attachments").toAbsolutePath().normalize();
    private static final Set<String> SPACES = Set.of("eng", "ops", "people", "handbook");
    private static final PolicyFactory PAGE_HTML = Sanitizers.FORMATTING.and(Sanitizers.BLOCKS).and(Sanitizers.LINKS).and(Sanitizers.TABLES);

    private final JdbcTemplate jdbc;
    private final ExpressionParser spel = new SpelExpressionParser();

    public WikiPageController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/search")
    public List<Map<String, Object>> search(@RequestParam String q, @RequestParam(defaultValue = "eng") String space) {
        String sql = "SELECT slug, title FROM pages WHERE space = '" + space + "' AND title ILIKE ? ORDER BY updated_at DESC";
        return jdbc.queryForList(sql, "%" + q + "%"); // expect: JAVA-SQLI-001
    }

    @GetMapping("/recent")
    public List<Map<String, Object>> recent(@RequestParam(defaultValue = "eng") String space, @RequestParam(defaultValue = "20") int limit) {
        String table = SPACES.contains(space) ? "pages" : "pages_archive";
        return jdbc.queryForList("SELECT slug, title FROM " + table + " WHERE space = ? LIMIT ?", space, Math.min(limit, 100)); // ok: JAVA-SQLI-001
    }

    @GetMapping(value = "/pages/{slug}", produces = "text/html")
    public String render(@PathVariable String slug, @RequestParam(required = false) String highlight) {
        // body_html is sanitised with PAGE_HTML by the editor service and by the importer below
        String body = jdbc.queryForObject("SELECT body_html FROM pages WHERE slug = ?", String.class, slug);
        String banner = "<div class='hl'>Matches for " + HtmlUtils.htmlEscape(highlight == null ? "" : highlight) + "</div>"; // ok: JAVA-XSS-001
        return banner + body;
    }

    @GetMapping(value = "/pages/{slug}/missing", produces = "text/html")
    public String missing(@PathVariable String slug, @RequestParam(defaultValue = "") String from) {
        return "<h1>No page called " + slug + "</h1><p>You followed a link from " + from + "</p>"; // expect: JAVA-XSS-001
    }

    @PostMapping("/pages/{slug}/macro-preview")
    public Object macroPreview(@PathVariable String slug, @RequestBody Map<String, String> macro) {
        Map<String, Object> page = jdbc.queryForMap("SELECT title, updated_at, word_count FROM pages WHERE slug = ?", slug);
        if ("safe".equals(macro.get("mode"))) {
            SimpleEvaluationContext readOnly = SimpleEvaluationContext.forReadOnlyDataBinding().build();
            return spel.parseExpression(macro.get("expr")).getValue(readOnly, page); // ok: JAVA-EXPR-001
        }
        StandardEvaluationContext ctx = new StandardEvaluationContext(page);
        return spel.parseExpression(macro.get("expr")).getValue(ctx); // expect: JAVA-EXPR-001
    }

    @GetMapping("/attachments/{pageId}/{fileName}")
    public ResponseEntity<Resource> attachment(@PathVariable long pageId, @PathVariable String fileName) {
        Path file = ATTACHMENTS.resolve(Long.toString(pageId)).resolve(fileName).normalize();
        if (!file.startsWith(ATTACHMENTS)) {
            return ResponseEntity.badRequest().build();
        }
        return ResponseEntity.ok(new PathResource(file)); // ok: JAVA-PATH-001
    }

    @PostMapping("/attachments/{pageId}")
    public String upload(@PathVariable long pageId, @RequestParam("file") MultipartFile file) throws IOException {
        Path dir = ATTACHMENTS.resolve(Long.toString(pageId));
        Files.createDirectories(dir);
        file.transferTo(Paths.get(dir.toString(), file.getOriginalFilename())); // expect: JAVA-PATH-001
        log.info("attachment uploaded to page {}: {}", pageId, file.getOriginalFilename()); // expect: JAVA-LOG-001
        return "stored";
    }

    @GetMapping("/pages/{slug}/diff")
    public String diff(@PathVariable String slug, @RequestParam String from, @RequestParam String to) throws IOException, InterruptedException {
        String cmd = "git -C /srv/wiki/history diff " + from + ".." + to + " -- pages/" + slug + ".md";
        Process p = Runtime.getRuntime().exec(new String[] {"/bin/sh", "-c", cmd}); // expect: JAVA-CMDI-001
        p.waitFor();
        return new String(p.getInputStream().readAllBytes());
    }

    @GetMapping("/pages/{slug}/blame")
    public String blame(@PathVariable String slug) throws IOException, InterruptedException {
        if (!slug.matches("[a-z0-9-]{1,80}")) {
            return "";
        }
        Process p = new ProcessBuilder("git", "-C", "/srv/wiki/history", "blame", "--", "pages/" + slug + ".md").start(); // ok: JAVA-CMDI-001
        p.waitFor();
        return new String(p.getInputStream().readAllBytes());
    }

    @PostMapping("/import")
    public ResponseEntity<String> importExport(@RequestParam("export") MultipartFile export, @RequestParam(defaultValue = "") String titleFilter) {
        try (InputStream in = export.getInputStream()) {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance(); // expect: JAVA-XXE-001
            dbf.setNamespaceAware(true);
            DocumentBuilder builder = dbf.newDocumentBuilder();
            Document doc = builder.parse(in);
            XPath xpath = XPathFactory.newInstance().newXPath();
            NodeList pages = (NodeList) xpath.evaluate("//page[contains(title, '" + titleFilter + "')]", doc, XPathConstants.NODESET); // expect: JAVA-XPATH-001
            // TODO: restrict imports to space admins, every editor can overwrite any space right now // expect: JAVA-TODO-001
            for (int i = 0; i < pages.getLength(); i++) {
                String slug = xpath.evaluate("slug", pages.item(i));
                jdbc.update("INSERT INTO pages (slug, title, body_html) VALUES (?, ?, ?) ON CONFLICT (slug) DO NOTHING", // ok: JAVA-SQLI-001
                        slug, xpath.evaluate("title", pages.item(i)), PAGE_HTML.sanitize(xpath.evaluate("body", pages.item(i))));
            }
            return ResponseEntity.ok("imported " + pages.getLength());
        } catch (Exception e) {
            return ResponseEntity.status(500).body("Import failed: " + e); // expect: JAVA-ERRLEAK-001
        }
    }

    @GetMapping("/go")
    public RedirectView jump(@RequestParam String target) {
        if (target.startsWith("/wiki/") && !target.contains("//")) {
            return new RedirectView(target); // ok: JAVA-REDIRECT-001
        }
        // links to other tools (Jira, Grafana) are pasted as full URLs
        return new RedirectView(target.startsWith("http") ? target : "/wiki/pages/" + target); // expect: JAVA-REDIRECT-001
    }
}
