// Pharmacy stock service for the Apothecary chain (Spring Boot + JdbcTemplate). Branch pharmacists search
// and adjust stock, print shelf labels, import wholesaler price lists (XML uploads or a feed URL) and
// download recall reports. Attacker data: request parameters and bodies from branch staff accounts (a
// phished branch login is the usual threat), the uploaded wholesaler XML, and the feed URL.
package com.apothecary.stock;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.util.HtmlUtils;
import org.w3c.dom.Document;

@RestController
@RequestMapping("/api/stock")
public class PharmacyStockController {
    private static final Logger log = LoggerFactory.getLogger(PharmacyStockController.class);
    private static final Path RECALL_DIR = Paths.get("/srv/apothecary/recalls").toAbsolutePath().normalize();
    private static final Set<String> PRINTERS = Set.of("front-desk", "back-office", "dispensary");
    private static final Map<String, String> SORTS = Map.of("name", "drug_name", "expiry", "expires_on", "qty", "quantity");
    private static final String WHOLESALER_SFTP_PASSWORD = "kY7#qv2Lm9xR4tWz"; // expect: JAVA-SECRET-001

    private final JdbcTemplate jdbc;
    private final RestTemplate rest;

    public PharmacyStockController(JdbcTemplate jdbc, RestTemplate rest) {
        this.jdbc = jdbc;
        this.rest = rest;
    }

    @GetMapping("/search")
    public List<Map<String, Object>> search(@RequestParam String q, @RequestParam(defaultValue = "name") String sort) {
        String order = SORTS.getOrDefault(sort, "drug_name");
        return jdbc.queryForList("SELECT ndc, drug_name, quantity FROM stock WHERE drug_name ILIKE ? ORDER BY " + order, "%" + q + "%"); // ok: JAVA-SQLI-001
    }

    @GetMapping("/by-supplier")
    public List<Map<String, Object>> bySupplier(@RequestParam String supplier, @RequestParam String branch) {
        String sql = String.format("SELECT ndc, drug_name, quantity FROM stock WHERE supplier = '%s' AND branch = '%s'", supplier, branch);
        return jdbc.queryForList(sql); // expect: JAVA-SQLI-001
    }

    @PostMapping("/{branch}/adjust")
    public Map<String, Object> adjust(@PathVariable long branch, @RequestParam String ndc, @RequestParam int delta, @RequestParam String reason) {
        // TODO: we don't verify the pharmacist belongs to this branch yet, anyone can move another branch's stock // expect: JAVA-TODO-001
        jdbc.update("UPDATE stock SET quantity = quantity + ? WHERE branch = ? AND ndc = ?", delta, branch, ndc); // ok: JAVA-SQLI-001
        log.info("stock adjusted: ndc={} delta={} reason=" + reason, ndc, delta); // expect: JAVA-LOG-001
        return Map.of("ok", true);
    }

    @PostMapping(value = "/price-lists", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<String> importPriceList(@RequestParam("file") MultipartFile file) {
        try (InputStream in = file.getInputStream()) {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance(); // expect: JAVA-XXE-001
            Document doc = dbf.newDocumentBuilder().parse(in);
            int rows = doc.getElementsByTagName("item").getLength();
            return ResponseEntity.ok("imported " + rows + " items");
        } catch (Exception e) {
            return ResponseEntity.badRequest().body("Could not import: " + e); // expect: JAVA-ERRLEAK-001
        }
    }

    @PostMapping(value = "/price-lists/v2", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<String> importPriceListV2(@RequestParam("file") MultipartFile file, @RequestParam String ndc) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance(); // ok: JAVA-XXE-001
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        dbf.setXIncludeAware(false);
        dbf.setExpandEntityReferences(false);
        DocumentBuilder builder = dbf.newDocumentBuilder();
        Document doc = builder.parse(file.getInputStream());
        XPath xpath = XPathFactory.newInstance().newXPath();
        String price = xpath.evaluate("//item[@ndc='" + ndc + "']/unitPrice", doc); // expect: JAVA-XPATH-001
        return ResponseEntity.ok(price);
    }

    @PostMapping("/price-lists/fetch")
    public String fetchFeed(@RequestParam String feedUrl) {
        return rest.getForObject(feedUrl, String.class); // expect: JAVA-SSRF-001
    }

    @GetMapping("/price-lists/wholesaler/{code}")
    public String wholesalerFeed(@PathVariable String code) {
        return rest.getForObject("https://feeds.wholesale.example/v1/lists/{code}", String.class, code); // ok: JAVA-SSRF-001
    }

    @PostMapping("/labels/print")
    public Map<String, Object> printLabel(@RequestParam String printer, @RequestParam String ndc) throws Exception {
        Path label = Files.createTempFile("label-", ".pdf");
        if (!PRINTERS.contains(printer)) {
            return Map.of("error", "unknown printer");
        }
        Process p = new ProcessBuilder("lp", "-d", printer, label.toString()).start(); // ok: JAVA-CMDI-001
        return Map.of("queued", p.waitFor() == 0, "ndc", ndc);
    }

    @PostMapping("/labels/print-legacy")
    public Map<String, Object> printLegacy(@RequestParam String printer, @RequestParam String copies) throws Exception {
        Process p = Runtime.getRuntime().exec("lp -d " + printer + " -n " + copies + " /var/apothecary/labels/latest.pdf"); // expect: JAVA-CMDI-001
        return Map.of("queued", p.waitFor() == 0);
    }

    @GetMapping(value = "/labels/preview", produces = MediaType.TEXT_HTML_VALUE)
    public String preview(@RequestParam String drugName, @RequestParam String directions) {
        String header = "<h2>" + HtmlUtils.htmlEscape(drugName) + "</h2>"; // ok: JAVA-XSS-001
        return "<html><body>" + header + "<p class=\"sig\">" + directions + "</p></body></html>"; // expect: JAVA-XSS-001
    }

    @GetMapping("/recalls/{name}")
    public ResponseEntity<byte[]> recall(@PathVariable String name) throws Exception {
        Path target = RECALL_DIR.resolve(name).normalize();
        if (!target.startsWith(RECALL_DIR)) {
            return ResponseEntity.badRequest().build();
        }
        return ResponseEntity.ok(Files.readAllBytes(target)); // ok: JAVA-PATH-001
    }

    @GetMapping("/recalls/archive")
    public ResponseEntity<byte[]> recallArchive(@RequestParam String year, @RequestParam String file) throws Exception {
        return ResponseEntity.ok(Files.readAllBytes(Paths.get("/srv/apothecary/recalls/archive", year, file))); // expect: JAVA-PATH-001
    }

    String sftpPassword() {
        return WHOLESALER_SFTP_PASSWORD;
    }
}
