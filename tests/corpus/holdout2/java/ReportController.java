package com.example.reports.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.web.bind.annotation.*;

/** Sales reports: listing, keyword search, PDF rendering and download of generated files. */
@RestController
@RequestMapping("/api/reports")
public class ReportController {

    private static final Logger log = LoggerFactory.getLogger(ReportController.class);
    private static final Path REPORT_ROOT = Paths.get("/var/reports").toAbsolutePath().normalize();

    private final JdbcTemplate jdbc;

    public ReportController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping
    public List<Map<String, Object>> list(@RequestParam(defaultValue = "2024") String year,
                                          @RequestParam(defaultValue = "region") String orderBy) {
        String sql = "SELECT id, region, total FROM sales_reports WHERE fiscal_year = '" + year + "' ORDER BY " + orderBy;
        return jdbc.queryForList(sql); // expect: JAVA-SQLI-001
    }

    @GetMapping("/search")
    public List<Map<String, Object>> search(@RequestParam String keyword) {
        log.info("report search: " + keyword); // expect: JAVA-LOG-001
        return jdbc.queryForList( // ok: JAVA-SQLI-001
                "SELECT id, region, total FROM sales_reports WHERE title LIKE ?", "%" + keyword + "%");
    }

    @GetMapping("/{id}")
    public Map<String, Object> one(@PathVariable long id, @AuthenticationPrincipal UserDetails user) {
        log.info("report {} opened by {}", id, user.getUsername()); // ok: JAVA-LOG-001
        return jdbc.queryForMap("SELECT id, region, total FROM sales_reports WHERE id = ?", id); // ok: JAVA-SQLI-001
    }

    @PostMapping("/{id}/render")
    public ResponseEntity<String> render(@PathVariable long id, @RequestParam String template) throws Exception {
        String cmd = "wkhtmltopdf /opt/templates/" + template + ".html /var/reports/" + id + ".pdf";
        Process p = Runtime.getRuntime().exec(new String[] {"sh", "-c", cmd}); // expect: JAVA-CMDI-001
        p.waitFor(60, TimeUnit.SECONDS);
        return ResponseEntity.accepted().body("rendering");
    }

    @PostMapping("/{id}/render-v2")
    public ResponseEntity<String> renderSafe(@PathVariable long id, @RequestParam String template) throws Exception {
        if (!template.matches("[a-z0-9_-]{1,40}")) {
            return ResponseEntity.badRequest().body("bad template");
        }
        Process p = new ProcessBuilder("wkhtmltopdf", "/opt/templates/" + template + ".html", // ok: JAVA-CMDI-001
                REPORT_ROOT.resolve(id + ".pdf").toString()).start();
        p.waitFor(60, TimeUnit.SECONDS);
        return ResponseEntity.accepted().body("rendering");
    }

    @GetMapping(value = "/files", produces = MediaType.APPLICATION_PDF_VALUE)
    public byte[] download(@RequestParam String name) throws IOException {
        return Files.readAllBytes(Paths.get("/var/reports", name)); // expect: JAVA-PATH-001
    }

    @GetMapping(value = "/files/v2", produces = MediaType.APPLICATION_PDF_VALUE)
    public ResponseEntity<byte[]> downloadSafe(@RequestParam String name) throws IOException {
        Path target = REPORT_ROOT.resolve(name).normalize();
        if (!target.startsWith(REPORT_ROOT)) {
            return ResponseEntity.status(HttpStatus.BAD_REQUEST).build();
        }
        return ResponseEntity.ok(Files.readAllBytes(target)); // ok: JAVA-PATH-001
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<Map<String, String>> onError(Exception e) {
        log.error("report request failed", e);
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
                .body(Map.of("error", e.getMessage(), "type", e.getClass().getName())); // expect: JAVA-ERRLEAK-001
    }
}
