package com.example.clinic.records;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.apache.commons.codec.digest.DigestUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.util.HtmlUtils;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/** Clinician-facing patient records: search, visit lists, documents, allergy lookups and pseudonymised exports. */
@RestController
@RequestMapping("/api/records")
public class PatientRecordsController {

    private static final Logger log = LoggerFactory.getLogger(PatientRecordsController.class);
    private static final Path RECORDS_ROOT = Paths.get("/srv/clinic/records").toAbsolutePath().normalize();
    private static final Set<String> VISIT_SORTS = Set.of("visit_date", "clinician", "ward");

    private final JdbcTemplate jdbc;
    private final PatientAccess access;
    @PersistenceContext private EntityManager em;

    public PatientRecordsController(JdbcTemplate jdbc, PatientAccess access) {
        this.jdbc = jdbc;
        this.access = access;
    }

    @GetMapping("/patients")
    public List<Map<String, Object>> searchPatients(@RequestParam String lastName, Principal clinician) {
        log.info("patient search by {} for '{}'", clinician.getName(), lastName); // expect: JAVA-LOG-001
        String sql = "SELECT id, mrn, first_name, last_name, birth_date FROM patients WHERE last_name LIKE '" + lastName + "%'";
        return jdbc.queryForList(sql); // expect: JAVA-SQLI-001
    }

    @GetMapping("/patients/{id}")
    public Map<String, Object> patient(@PathVariable long id, Principal clinician) {
        access.requireAssigned(clinician, id);
        return jdbc.queryForMap("SELECT id, mrn, first_name, last_name, birth_date FROM patients WHERE id = ?", id); // ok: JAVA-SQLI-001
    }

    @GetMapping("/patients/{id}/visits")
    public List<Map<String, Object>> visits(@PathVariable long id, @RequestParam(defaultValue = "visit_date") String sort,
                                            Principal clinician) {
        access.requireAssigned(clinician, id);
        String column = VISIT_SORTS.contains(sort) ? sort : "visit_date";
        log.info("visits of {} sorted by {}", id, sort.replaceAll("[\r\n]", "_")); // ok: JAVA-LOG-001
        return jdbc.queryForList("SELECT id, visit_date, clinician, ward FROM visits WHERE patient_id = ? ORDER BY " + column, id); // ok: JAVA-SQLI-001
    }

    @GetMapping("/visits/by-clinician")
    public List<?> visitsByClinician(@RequestParam String clinicianName, @RequestParam String ward) {
        // TODO: restrict to the caller's own ward once ward assignments are in the directory  // expect: JAVA-TODO-001
        return em.createQuery("SELECT v FROM Visit v WHERE v.clinician = '" + clinicianName + "' AND v.ward = :ward") // expect: JAVA-SQLI-001
                 .setParameter("ward", ward)
                 .getResultList();
    }

    @GetMapping("/patients/{id}/documents/{fileName}")
    public ResponseEntity<byte[]> document(@PathVariable long id, @PathVariable String fileName, Principal clinician) throws IOException {
        access.requireAssigned(clinician, id);
        Path folder = RECORDS_ROOT.resolve(Long.toString(id));
        Path target = folder.resolve(fileName).normalize(); // ok: JAVA-PATH-001
        if (!target.startsWith(folder)) {
            return ResponseEntity.badRequest().build();
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_PDF).body(Files.readAllBytes(target)); // ok: JAVA-PATH-001
    }

    @GetMapping("/scans")
    public ResponseEntity<byte[]> scan(@RequestParam String patientId, @RequestParam String name, Principal clinician)
            throws IOException {
        access.requireAssigned(clinician, Long.parseLong(patientId));
        byte[] image = Files.readAllBytes(Paths.get("/srv/clinic/scans", patientId, name)); // expect: JAVA-PATH-001
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(image);
    }

    @GetMapping(value = "/search-page", produces = MediaType.TEXT_HTML_VALUE)
    public String searchPage(@RequestParam String q) {
        return "<h3>Patients matching " + q + "</h3><div id='results'></div>"; // expect: JAVA-XSS-001
    }

    @GetMapping(value = "/visit-banner", produces = MediaType.TEXT_HTML_VALUE)
    public String visitBanner(@RequestParam String ward) {
        return "<div class='banner'>Ward " + HtmlUtils.htmlEscape(ward) + "</div>"; // ok: JAVA-XSS-001
    }

    @PostMapping(value = "/allergies", consumes = MediaType.APPLICATION_XML_VALUE)
    public ResponseEntity<String> allergies(@RequestBody String cdaDocument, @RequestParam String mrn) {
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true); // ok: JAVA-XXE-001
            DocumentBuilder builder = dbf.newDocumentBuilder();
            Document doc = builder.parse(new InputSource(new StringReader(cdaDocument)));
            XPath xpath = XPathFactory.newInstance().newXPath();
            String found = xpath.evaluate("//patient[@mrn='" + mrn + "']/allergies", doc); // expect: JAVA-XPATH-001
            return ResponseEntity.ok(found);
        } catch (Exception e) {
            return ResponseEntity.status(500).body("Could not read CDA document: " + e.getMessage()); // expect: JAVA-ERRLEAK-001
        }
    }

    @GetMapping("/research-export")
    @PreAuthorize("hasRole('RESEARCH_EXPORT')")
    public List<Map<String, Object>> researchExport(@RequestParam String cohort) {
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT mrn, diagnosis, age FROM cohort_members WHERE cohort = ?", cohort);
        for (Map<String, Object> row : rows) {
            row.put("subject", DigestUtils.md5Hex((String) row.remove("mrn"))); // expect: JAVA-HASH-002
        }
        return rows;
    }

    @GetMapping("/patients/{id}/summary")
    public ResponseEntity<String> summary(@PathVariable long id, Principal clinician) {
        access.requireAssigned(clinician, id);
        String body = jdbc.queryForObject("SELECT summary_json FROM patient_summaries WHERE patient_id = ?", String.class, id);
        String etag = "\"" + DigestUtils.md5Hex(body) + "\""; // ok: JAVA-HASH-002, JAVA-CRYPTO-001
        return ResponseEntity.ok().eTag(etag).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
