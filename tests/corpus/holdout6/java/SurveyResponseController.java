// Survey builder: public response endpoints and author tools (Spring MVC + JPA + auth0 java-jwt).
//
// Respondents open a survey link, answer, get a thank-you page and may edit their answers later with an edit key.
// Authors import survey templates, define scoring rules and export responses. Attacker data: anything a public
// respondent sends (parameters, bodies, cookies, the embed token), and what authors upload or type (templates
// saved by the old desktop builder, scoring rules, export file names); any visitor can become an author.
package com.example.survey.web;

import java.beans.XMLDecoder;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.*;
import java.util.function.Supplier;

import javax.script.*;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import jakarta.persistence.EntityManager;
import jakarta.servlet.http.*;
import org.apache.commons.lang3.RandomStringUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.util.HtmlUtils;

@RestController
@RequestMapping("/s")
public class SurveyResponseController {

    private static final Logger log = LoggerFactory.getLogger(SurveyResponseController.class);
    private static final File EXPORT_DIR = new File("/srv/survey/exports");
    private static final Map<String, Supplier<QuestionType>> QUESTION_TYPES = Map.of(
            "likert", LikertQuestion::new, "nps", NpsQuestion::new, "text", FreeTextQuestion::new);

    private final EntityManager em;
    private final Algorithm embedAlgorithm;

    public SurveyResponseController(EntityManager em, EmbedKeys keys) {
        this.em = em;
        this.embedAlgorithm = Algorithm.HMAC256(keys.current());
    }

    @GetMapping("/{slug}/responses")
    public List<?> responses(@PathVariable String slug, @RequestParam(defaultValue = "submitted_at") String sort) {
        return em.createQuery("SELECT r FROM Response r WHERE r.survey.slug = '" + slug + "' ORDER BY r." + sort, Response.class) // expect: JAVA-SQLI-001
                .setMaxResults(500).getResultList();
    }

    @GetMapping("/{slug}/summary")
    public List<?> summary(@PathVariable String slug, @RequestParam(defaultValue = "false") boolean completeOnly) {
        String jpql = "SELECT r.questionId, AVG(r.score) FROM Answer r WHERE r.survey.slug = :slug"
                + (completeOnly ? " AND r.response.complete = true" : "") + " GROUP BY r.questionId";
        return em.createQuery(jpql).setParameter("slug", slug).getResultList(); // ok: JAVA-SQLI-001
    }

    @GetMapping("/{slug}/embed")
    public Map<String, Object> embed(@PathVariable String slug, @RequestHeader("X-Embed-Token") String token) {
        DecodedJWT claims = JWT.decode(token); // expect: JAVA-JWT-001
        Panel panel = em.find(Panel.class, claims.getSubject());
        return Map.of("slug", slug, "panel", panel.getName(), "quotaLeft", panel.getQuotaLeft());
    }

    @PostMapping("/{slug}/embed/session")
    public Map<String, Object> embedSession(@PathVariable String slug, @RequestHeader("X-Embed-Token") String token, HttpSession session) {
        DecodedJWT verified = JWT.require(embedAlgorithm).withIssuer("survey-embed").build().verify(token); // ok: JAVA-JWT-001
        session.setAttribute("panelId", verified.getSubject()); // ok: JAVA-TRUST-001
        return Map.of("slug", slug, "panel", verified.getSubject());
    }

    @PostMapping("/{slug}/start")
    public Map<String, String> start(@PathVariable String slug, HttpServletRequest request, HttpServletResponse response) {
        request.getSession().setAttribute("respondentSegment", request.getParameter("segment")); // expect: JAVA-TRUST-001
        String respondentId = UUID.randomUUID().toString(); // ok: JAVA-RAND-001
        Cookie cookie = new Cookie("respondent", respondentId);
        cookie.setPath("/s/" + slug);
        response.addCookie(cookie); // expect: JAVA-COOKIE-001, JAVA-COOKIE-002
        return Map.of("respondent", respondentId);
    }

    @PostMapping("/{slug}/submit")
    public void submit(@PathVariable String slug, @RequestParam Map<String, String> answers, HttpServletResponse response) throws IOException {
        String editKey = RandomStringUtils.randomAlphanumeric(10); // expect: JAVA-RAND-001
        em.persist(new Response(slug, answers, editKey));
        log.info("survey " + slug + " answered by " + answers.getOrDefault("email", "anonymous")); // expect: JAVA-LOG-001
        String name = answers.getOrDefault("first_name", "");
        response.setContentType("text/html;charset=UTF-8");
        PrintWriter out = response.getWriter();
        out.println("<h2>Thank you, " + HtmlUtils.htmlEscape(name) + "!</h2>"); // ok: JAVA-XSS-001
        out.println("<p>Your edit key: " + editKey + "</p>");
        out.println("<p>We will contact you at " + answers.get("email") + "</p>"); // expect: JAVA-XSS-001
    }

    @GetMapping("/{slug}/edit/{responseId}")
    public Response edit(@PathVariable String slug, @PathVariable long responseId, @RequestParam String key) {
        Response stored = em.find(Response.class, responseId);
        if (stored == null || !stored.getEditKey().equals(key)) { // expect: JAVA-TIMING-001
            throw new ResponseNotFound();
        }
        return stored;
    }

    @GetMapping("/{slug}/edit-v2/{responseId}")
    public Response editV2(@PathVariable String slug, @PathVariable long responseId, @RequestParam String key) {
        Response stored = em.find(Response.class, responseId);
        byte[] given = key.getBytes(StandardCharsets.UTF_8);
        if (stored == null || !MessageDigest.isEqual(stored.getEditKey().getBytes(StandardCharsets.UTF_8), given)) { // ok: JAVA-TIMING-001
            throw new ResponseNotFound();
        }
        return stored;
    }

    @GetMapping("/{slug}/done")
    public void done(@PathVariable String slug, @RequestParam(required = false) String next, HttpServletResponse response) throws IOException {
        response.sendRedirect(next != null ? next : "/s/" + slug + "/thanks"); // expect: JAVA-REDIRECT-001
    }

    @PostMapping("/author/templates")
    public Object importTemplate(@RequestParam("file") MultipartFile file) throws IOException {
        try (XMLDecoder decoder = new XMLDecoder(file.getInputStream())) {
            return decoder.readObject(); // expect: JAVA-DESER-001
        }
    }

    @PostMapping("/author/{slug}/questions")
    public QuestionType addQuestion(@PathVariable String slug, @RequestParam String type) {
        Supplier<QuestionType> factory = QUESTION_TYPES.get(type);
        if (factory == null) {
            throw new IllegalArgumentException("unsupported question type");
        }
        return factory.get(); // ok: JAVA-REFLECT-001
    }

    @PostMapping("/author/{slug}/score-preview")
    public Object scorePreview(@PathVariable String slug, @RequestBody Map<String, Object> body, HttpServletResponse response) throws IOException {
        try {
            ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
            engine.put("answers", body.get("answers"));
            return engine.eval((String) body.get("rule")); // expect: JAVA-EXPR-001
        } catch (Exception e) {
            response.setStatus(400);
            e.printStackTrace(response.getWriter()); // expect: JAVA-ERRLEAK-001
            return null;
        }
    }

    @PostMapping("/author/{slug}/export")
    public String export(@PathVariable String slug, @RequestParam String fileName) throws IOException {
        File target = new File(EXPORT_DIR, fileName + ".csv");
        Files.writeString(target.toPath(), "respondent,submitted_at\n"); // expect: JAVA-PATH-001
        return "/exports/" + target.getName();
    }
}
