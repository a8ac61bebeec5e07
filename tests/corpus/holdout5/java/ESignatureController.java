// Inkwell e-signature service (Spring Boot): template fields, signing links, identity-vendor webhook,
// RabbitMQ "document.completed" archive worker, evidence bundles. Attacker data: request parameters and
// bodies (signers are anonymous link holders), uploaded templates and zip bundles, the vendor webhook, and
// queue message bodies (the queue is shared with the partner integration).
package com.inkwell.sign;

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.util.*;
import java.util.zip.*;
import javax.crypto.*;
import javax.crypto.spec.*;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.*;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.util.HtmlUtils;

@RestController
public class ESignatureController {
    private static final byte[] ARCHIVE_IV = "inkwell-archive!".getBytes(StandardCharsets.UTF_8);
    private static final Path BUNDLE_ROOT = Paths.get("/var/inkwell/bundles").toAbsolutePath().normalize();
    private static final SecureRandom RNG = new SecureRandom();
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final SecretKey archiveKey;
    private final PrivateKey sealKey;
    private final byte[] vendorSecret;
    private final DocumentStore store;

    public ESignatureController(KeyRing keys, DocumentStore store) {
        this.archiveKey = new SecretKeySpec(keys.archiveKey(), "AES");
        this.sealKey = keys.sealKey();
        this.vendorSecret = keys.vendorWebhookSecret();
        this.store = store;
    }

    @PostMapping("/templates/{id}/preview")
    public Map<String, Object> previewField(@PathVariable long id, @RequestBody Map<String, Object> body) {
        Expression formula = parser.parseExpression(String.valueOf(body.get("formula"))); // expect: JAVA-EXPR-001
        Object value = formula.getValue(new StandardEvaluationContext(body.get("values")));
        return Map.of("template", id, "value", String.valueOf(value));
    }

    @PostMapping("/templates/{id}/preview-safe")
    public Map<String, Object> previewFieldSafe(@PathVariable long id, @RequestBody Map<String, Object> body) {
        Object value = parser.parseExpression(String.valueOf(body.get("formula"))).getValue(SimpleEvaluationContext.forReadOnlyDataBinding().build(), body.get("values")); // ok: JAVA-EXPR-001
        return Map.of("template", id, "value", String.valueOf(value));
    }

    @GetMapping("/sign/{envelope}/done")
    public void signed(@PathVariable String envelope, HttpServletRequest request, HttpServletResponse response) throws IOException {
        store.markSigned(envelope);
        response.sendRedirect(request.getParameter("return")); // expect: JAVA-REDIRECT-001
    }

    @GetMapping("/sign/{envelope}/thanks")
    public void thanks(@PathVariable String envelope, @RequestParam String signer, HttpServletResponse response) throws IOException {
        response.setContentType("text/html;charset=UTF-8");
        response.getWriter().write("<h1>Thank you</h1><p>Envelope " + HtmlUtils.htmlEscape(envelope) + "</p>"); // ok: JAVA-XSS-001
        response.getWriter().write("<p>Signed by " + signer + "</p>"); // expect: JAVA-XSS-001
    }

    @PostMapping("/webhooks/idv")
    public Map<String, Object> idvResult(@RequestHeader("X-IDV-Signature") String signature, @RequestBody byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(vendorSecret, "HmacSHA256"));
        byte[] expected = mac.doFinal(body);
        if (!Arrays.equals(expected, HexFormat.of().parseHex(signature))) { // expect: JAVA-TIMING-001
            return Map.of("accepted", false);
        }
        return Map.of("accepted", store.recordIdv(new String(body, StandardCharsets.UTF_8)));
    }

    @PostMapping("/webhooks/idv/v2")
    public Map<String, Object> idvResultV2(@RequestHeader("X-IDV-Signature") String signature, @RequestBody byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(vendorSecret, "HmacSHA256"));
        boolean valid = MessageDigest.isEqual(mac.doFinal(body), HexFormat.of().parseHex(signature)); // ok: JAVA-TIMING-001
        return Map.of("accepted", valid && store.recordIdv(new String(body, StandardCharsets.UTF_8)));
    }

    byte[] documentFingerprint(byte[] pdf) throws Exception {
        return MessageDigest.getInstance("SHA-1").digest(pdf); // expect: JAVA-HASH-002
    }

    byte[] seal(byte[] pdf) throws Exception {
        Signature legacy = Signature.getInstance("SHA1withRSA"); // expect: JAVA-CRYPTO-001
        legacy.initSign(sealKey);
        legacy.update(documentFingerprint(pdf));
        return legacy.sign();
    }

    byte[] encryptForArchive(byte[] pdf) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, archiveKey, new IvParameterSpec(ARCHIVE_IV)); // expect: JAVA-IV-001
        return cipher.doFinal(pdf);
    }

    byte[] encryptForArchiveV2(byte[] pdf) throws Exception {
        byte[] iv = new byte[12];
        RNG.nextBytes(iv);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, archiveKey, new GCMParameterSpec(128, iv)); // ok: JAVA-IV-001
        byte[] body = cipher.doFinal(pdf);
        return java.nio.ByteBuffer.allocate(iv.length + body.length).put(iv).put(body).array();
    }

    @RabbitListener(queues = "document.completed")
    public void onCompleted(Message message) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(message.getBody()))) {
            CompletedEnvelope done = (CompletedEnvelope) in.readObject(); // expect: JAVA-DESER-001
            store.archive(done.envelopeId(), encryptForArchiveV2(store.pdf(done.envelopeId())));
        }
    }

    @PostMapping("/envelopes/{id}/evidence")
    public Map<String, Object> uploadEvidence(@PathVariable String id, @RequestBody byte[] zip) throws IOException {
        Path dest = BUNDLE_ROOT.resolve(id.replaceAll("[^A-Za-z0-9-]", "")).normalize();
        int files = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Path out = dest.resolve(e.getName()).normalize();
                if (!out.startsWith(dest)) {
                    throw new IOException("entry outside bundle");
                }
                Files.createDirectories(out.getParent());
                Files.copy(in, out); // ok: JAVA-ZIPSLIP-001
                files++;
            }
        }
        return Map.of("files", files);
    }

    @PostMapping("/envelopes/{id}/attachments")
    public Map<String, Object> uploadAttachments(@PathVariable long id, @RequestBody byte[] zip) throws IOException {
        Path dest = BUNDLE_ROOT.resolve("attachments-" + id);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Files.copy(in, dest.resolve(e.getName())); // expect: JAVA-ZIPSLIP-001
            }
        }
        return Map.of("ok", true);
    }

    @GetMapping("/renderers")
    public Map<String, Object> renderer(@RequestParam String rendererClass) throws Exception {
        Class<?> type = Class.forName(rendererClass); // expect: JAVA-REFLECT-001
        return Map.of("renderer", type.getDeclaredConstructor().newInstance().toString());
    }

    record CompletedEnvelope(String envelopeId) implements java.io.Serializable {}
    interface KeyRing { byte[] archiveKey(); PrivateKey sealKey(); byte[] vendorWebhookSecret(); }
    interface DocumentStore { void markSigned(String e); boolean recordIdv(String json); void archive(String e, byte[] sealed); byte[] pdf(String e); }
}
