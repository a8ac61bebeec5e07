package com.example.ops.backup;

import jakarta.servlet.http.HttpServletResponse;
import lombok.RequiredArgsConstructor;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.crypto.Cipher;
import javax.naming.InitialContext;
import javax.sql.DataSource;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.expression.spel.support.StandardEvaluationContext;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.multipart.MultipartFile;

/** Operator API of the backup service: dumps, downloads, restores, retention rules and storage back ends. */
@RestController
@RequestMapping("/ops/backups")
@PreAuthorize("hasRole('OPERATOR')")
@RequiredArgsConstructor
public class BackupRestoreController {

    private static final Logger log = LoggerFactory.getLogger(BackupRestoreController.class);
    private static final Path BACKUP_DIR = Paths.get("/var/backups/app").toAbsolutePath().normalize();
    private static final Map<String, String> DATABASES = Map.of("orders", "orders_prod", "billing", "billing_prod");
    private static final Map<String, Supplier<StorageBackend>> BACKENDS = Map.of("s3", S3Backend::new, "nfs", NfsBackend::new);
    private static final String STATUS_HOOK = "https://status.internal.example/hooks/backups";

    private final RestTemplate rest = new RestTemplate();
    private final SpelExpressionParser spel = new SpelExpressionParser();
    private final BackupKeys keys;

    @PostMapping("/dump")
    public Map<String, String> dump(@RequestParam String database, @RequestParam(required = false) String notifyUrl) throws Exception {
        String out = BACKUP_DIR.resolve("dump-" + System.currentTimeMillis() + ".sql.gz").toString();
        Process p = new ProcessBuilder("sh", "-c", "pg_dump --no-owner " + database + " | gzip > " + out).start(); // expect: JAVA-CMDI-001
        int rc = p.waitFor();
        if (notifyUrl != null) {
            rest.postForEntity(notifyUrl, Map.of("database", database, "exitCode", rc), String.class); // expect: JAVA-SSRF-001
        }
        rest.postForEntity(STATUS_HOOK, Map.of("database", database, "exitCode", rc), String.class); // ok: JAVA-SSRF-001
        return Map.of("file", Paths.get(out).getFileName().toString());
    }

    @PostMapping("/dump/v2")
    public Map<String, String> dumpV2(@RequestParam String database) throws Exception {
        String dbName = DATABASES.get(database);
        if (dbName == null) throw new IllegalArgumentException("unknown database");
        Path out = Files.createTempFile(BACKUP_DIR, dbName + "-", ".dump");
        Process p = new ProcessBuilder("pg_dump", "--format=custom", "--file", out.toString(), dbName).start(); // ok: JAVA-CMDI-001
        return Map.of("file", out.getFileName().toString(), "exitCode", Integer.toString(p.waitFor()));
    }

    @GetMapping("/files")
    public Resource download(@RequestParam String name) {
        return new FileSystemResource(new File(BACKUP_DIR.toFile(), name)); // expect: JAVA-PATH-001
    }

    @GetMapping("/files/{name}")
    public Resource downloadByName(@PathVariable String name) {
        return new FileSystemResource(BACKUP_DIR.resolve(Paths.get(name).getFileName())); // ok: JAVA-PATH-001
    }

    @PostMapping("/restore")
    public Map<String, Object> restore(@RequestParam MultipartFile archive, @RequestParam String target) throws Exception {
        log.info("restore of {} into {}", archive.getOriginalFilename(), target); // expect: JAVA-LOG-001
        Path restoreRoot = Files.createTempDirectory(BACKUP_DIR, "restore-");
        int files = 0;
        try (ZipInputStream zis = new ZipInputStream(archive.getInputStream())) {
            for (ZipEntry entry = zis.getNextEntry(); entry != null; entry = zis.getNextEntry()) {
                if (entry.isDirectory()) continue;
                Files.copy(zis, restoreRoot.resolve(entry.getName()), StandardCopyOption.REPLACE_EXISTING); // expect: JAVA-ZIPSLIP-001
                files++;
            }
        }
        DataSource ds = (DataSource) new InitialContext().lookup(target); // expect: JAVA-JNDI-001
        return Map.of("files", files, "target", ds.getClass().getSimpleName());
    }

    @PostMapping("/restore/v2")
    public Map<String, Object> restoreV2(@RequestParam MultipartFile archive, @RequestParam String tenant) throws Exception {
        if (!tenant.matches("[a-z0-9_]{1,32}")) throw new IllegalArgumentException("bad tenant");
        Path restoreRoot = Files.createTempDirectory(BACKUP_DIR, "restore-").toRealPath();
        try (ZipInputStream zis = new ZipInputStream(archive.getInputStream())) {
            for (ZipEntry entry = zis.getNextEntry(); entry != null; entry = zis.getNextEntry()) {
                Path dest = restoreRoot.resolve(entry.getName()).normalize();
                if (entry.isDirectory() || !dest.startsWith(restoreRoot)) continue;
                Files.createDirectories(dest.getParent());
                Files.copy(zis, dest, StandardCopyOption.REPLACE_EXISTING); // ok: JAVA-ZIPSLIP-001
            }
        }
        DataSource ds = (DataSource) new InitialContext().lookup("java:comp/env/jdbc/tenant_" + tenant); // ok: JAVA-JNDI-001
        return Map.of("restored", restoreRoot.getFileName().toString(), "target", ds.getClass().getSimpleName());
    }

    @PostMapping("/manifest")
    public Map<String, Integer> manifest(InputStream body) throws Exception {
        XMLInputFactory xif = XMLInputFactory.newInstance();
        xif.setProperty(XMLInputFactory.SUPPORT_DTD, false); // ok: JAVA-XXE-001
        xif.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        XMLStreamReader reader = xif.createXMLStreamReader(body);
        int entries = 0;
        while (reader.hasNext()) {
            if (reader.next() == XMLStreamReader.START_ELEMENT && "file".equals(reader.getLocalName())) entries++;
        }
        return Map.of("entries", entries);
    }

    @PostMapping("/retention/preview")
    public Object previewRetention(@RequestBody RetentionRule rule, @RequestParam(defaultValue = "false") boolean advanced) {
        BackupStats stats = BackupStats.current(BACKUP_DIR);
        if (advanced) {
            return spel.parseExpression(rule.expression()).getValue(new StandardEvaluationContext(stats)); // expect: JAVA-EXPR-001
        }
        Expression expr = spel.parseExpression(rule.expression());
        return expr.getValue(SimpleEvaluationContext.forReadOnlyDataBinding().build(), stats); // ok: JAVA-EXPR-001
    }

    @PostMapping("/backends")
    public String registerBackend(@RequestParam String kind, @RequestParam(required = false) String className) throws Exception {
        StorageBackend backend = className != null
                ? (StorageBackend) Class.forName(className).getDeclaredConstructor().newInstance() // expect: JAVA-REFLECT-001
                : BACKENDS.getOrDefault(kind, NfsBackend::new).get(); // ok: JAVA-REFLECT-001
        return backend.describe();
    }

    @PostMapping("/seal")
    public void seal(@RequestParam String name, HttpServletResponse response) throws IOException {
        try {
            byte[] data = Files.readAllBytes(BACKUP_DIR.resolve(Paths.get(name).getFileName()));
            Cipher cipher = Cipher.getInstance("AES"); // expect: JAVA-CRYPTO-001
            cipher.init(Cipher.ENCRYPT_MODE, keys.current());
            response.setHeader("X-Checksum", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data))); // ok: JAVA-HASH-002
            response.getOutputStream().write(cipher.doFinal(data));
        } catch (Exception e) {
            response.setStatus(500);
            e.printStackTrace(response.getWriter()); // expect: JAVA-ERRLEAK-001
        }
    }
}
