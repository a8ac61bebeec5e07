package com.example.payments.reconciliation;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Nightly job: fetches the bank's settlement statement (camt.053), matches refunds and exports the result. */
@Component
public class RefundReconciliationJob {

    private static final Logger log = LoggerFactory.getLogger(RefundReconciliationJob.class);
    private static final String STATEMENT_URL = "https://statements.bank.example/v2/camt053";
    private static final String STATEMENT_API_KEY = "a71c94e2f05b4d8e9c3f61b07d2e58a4"; // expect: JAVA-SECRET-001
    private static final byte[] EXPORT_IV = "0f1e2d3c4b5a6978".getBytes(StandardCharsets.US_ASCII);

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper = new ObjectMapper();
    private final SecureRandom ivSource = new SecureRandom();
    private final SecretKeySpec exportKey;

    public RefundReconciliationJob(JdbcTemplate jdbc, @Value("${recon.export-key}") String exportKeyHex) {
        this.jdbc = jdbc;
        this.exportKey = new SecretKeySpec(java.util.HexFormat.of().parseHex(exportKeyHex), "AES");
        mapper.enableDefaultTyping(); // expect: JAVA-DESER-001
    }

    @Scheduled(cron = "0 30 2 * * *")
    public void reconcile() throws Exception {
        trustBankHostnames(); // the bank still serves statements under a certificate for its old host name
        SSLContext tls = SSLContext.getInstance("TLSv1"); // expect: JAVA-TLS-002
        tls.init(null, null, null);
        HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(STATEMENT_URL + "?date=" + LocalDate.now().minusDays(1)))
                .header("X-Api-Key", STATEMENT_API_KEY)
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream()); // ok: JAVA-SSRF-001
        Path encrypted = Files.createTempFile("camt053-", ".xml.gpg");
        Files.copy(response.body(), encrypted, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String disposition = response.headers().firstValue("Content-Disposition").orElse("statement.xml.gpg");
        String fileName = Path.of(disposition.replaceFirst(".*filename=\"?([^\"]+)\"?.*", "$1")).getFileName().toString();
        Process gpg = Runtime.getRuntime().exec("gpg --batch --decrypt --output /var/recon/" + fileName + ".xml " + encrypted); // expect: JAVA-CMDI-001
        if (gpg.waitFor() != 0) {
            throw new IllegalStateException("gpg failed for " + fileName);
        }
        Process verify = new ProcessBuilder("gpg", "--batch", "--verify", encrypted.toString()).start(); // ok: JAVA-CMDI-001
        if (verify.waitFor() != 0) {
            throw new IllegalStateException("statement signature did not verify");
        }
        List<String[]> entries = parseStatement(Files.newInputStream(Path.of("/var/recon", fileName + ".xml")));
        for (String[] entry : entries) {
            jdbc.update("UPDATE refunds SET status = 'SETTLED', settled_amount = " + entry[1] + " WHERE provider_ref = '" + entry[0] + "'"); // expect: JAVA-SQLI-001
        }
        jdbc.batchUpdate("INSERT INTO settlement_lines (provider_ref, amount) VALUES (?, ?)", // ok: JAVA-SQLI-001
                entries.stream().map(e -> new Object[] {e[0], e[1]}).toList());
        exportUnmatched();
    }

    private List<String[]> parseStatement(InputStream xml) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance(); // expect: JAVA-XXE-001
        dbf.setNamespaceAware(true);
        Document doc = dbf.newDocumentBuilder().parse(xml);
        NodeList entries = doc.getElementsByTagNameNS("*", "Ntry");
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < entries.getLength(); i++) {
            Element e = (Element) entries.item(i);
            out.add(new String[] {text(e, "AcctSvcrRef"), text(e, "Amt")});
        }
        return out;
    }

    private Document parseRemittanceAdvice(InputStream xml) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance(); // ok: JAVA-XXE-001
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dbf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        return dbf.newDocumentBuilder().parse(xml);
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagNameNS("*", tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
    }

    @RabbitListener(queues = "remittance-advice")
    public void onRemittanceAdvice(Message message) throws Exception {
        Document advice = parseRemittanceAdvice(new ByteArrayInputStream(message.getBody()));
        log.info("remittance advice with {} lines", advice.getElementsByTagNameNS("*", "RmtInf").getLength());
    }

    @RabbitListener(queues = "refund-adjustments")
    public void onAdjustment(Message message) throws Exception {
        Object adjustment = new ObjectInputStream(new ByteArrayInputStream(message.getBody())).readObject(); // expect: JAVA-DESER-001
        log.info("adjustment received: {}", adjustment.getClass().getSimpleName());
        jdbc.update("INSERT INTO adjustments (payload) VALUES (?)", mapper.writeValueAsString(adjustment));
    }

    private void exportUnmatched() throws Exception {
        byte[] rows = mapper.writeValueAsBytes(jdbc.queryForList("SELECT provider_ref, amount FROM refunds WHERE status = 'PENDING'"));
        byte[] iv = new byte[12];
        ivSource.nextBytes(iv);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding"); // ok: JAVA-CRYPTO-001
        gcm.init(Cipher.ENCRYPT_MODE, exportKey, new GCMParameterSpec(128, iv)); // ok: JAVA-IV-001
        Path sealed = Path.of("/var/recon/unmatched.bin");
        Files.write(sealed, iv);
        Files.write(sealed, gcm.doFinal(rows), StandardOpenOption.APPEND);

        Cipher legacy = Cipher.getInstance("AES/CBC/PKCS5Padding");
        legacy.init(Cipher.ENCRYPT_MODE, exportKey, new IvParameterSpec(EXPORT_IV)); // expect: JAVA-IV-001
        Files.write(Path.of("/var/recon/unmatched-legacy.bin"), legacy.doFinal(rows));

        Cipher partner = Cipher.getInstance("AES/ECB/PKCS5Padding"); // expect: JAVA-CRYPTO-001
        partner.init(Cipher.ENCRYPT_MODE, exportKey);
        Files.write(Path.of("/var/recon/unmatched-partner.bin"), partner.doFinal(rows));
    }

    static String batchLabel() {
        return "recon-" + new Random().nextInt(10_000); // ok: JAVA-RAND-001
    }

    /** Picks which settled refunds get a manual audit. */
    static SecureRandom auditSampler() {
        return new SecureRandom("recon-audit-sample".getBytes(StandardCharsets.UTF_8)); // expect: JAVA-SEED-001
    }

    static void trustBankHostnames() {
        HttpsURLConnection.setDefaultHostnameVerifier((host, session) -> true); // expect: JAVA-TLS-001
    }
}
