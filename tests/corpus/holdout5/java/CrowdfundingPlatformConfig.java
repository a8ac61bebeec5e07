// Fundly crowdfunding platform: Spring Security and CORS configuration, the HTTP client for the payout
// provider, and the backer/refund API. Attacker data: requests from the public web (backers, campaign
// owners, anyone probing /admin), query parameters and JSON bodies, and the payout provider's responses
// (over the network path the TLS settings below protect).
package com.fundly.platform;

import jakarta.persistence.EntityManager;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration
class SecurityConfig implements WebMvcConfigurer {

    @Bean
    SecurityFilterChain filterChain(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.disable()); // expect: JAVA-CSRF-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/admin/**").permitAll()); // expect: JAVA-AUTHZ-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/ops/**").hasRole("OPS")); // ok: JAVA-AUTHZ-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/", "/campaigns/**", "/assets/**").permitAll().anyRequest().authenticated());
        return http.build();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return new BCryptPasswordEncoder(12); // ok: JAVA-HASH-001
    }

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        registry.addMapping("/api/public/**").allowedOrigins("https://fundly.example").allowCredentials(true); // ok: JAVA-CORS-001
        registry.addMapping("/api/embed/**").allowedOriginPatterns("*").allowCredentials(true); // expect: JAVA-CORS-001
    }
}

@Configuration
class PayoutClientConfig {
    @Value("${payout.api-key:po_live_41d8e9f0a2b6c7d3e5f1a9b8c0d4e6f2}") // expect: JAVA-SECRET-001
    private String payoutApiKey;

    @Value("${payout.base-url}")
    private String payoutBaseUrl;

    @Bean
    HttpClient payoutHttpClient() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(PayoutTrustStore.load("/etc/fundly/payout-ca.jks"));
        SSLContext ctx = SSLContext.getInstance("TLS"); // ok: JAVA-TLS-002
        ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
        return HttpClient.newBuilder().sslContext(ctx).build();
    }

    @Bean
    HttpClient legacyPayoutHttpClient() throws Exception {
        TrustManager[] trustAll = { new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType) {} // expect: JAVA-TLS-001
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        } };
        SSLContext ctx = SSLContext.getInstance("TLSv1"); // expect: JAVA-TLS-002
        ctx.init(null, trustAll, new SecureRandom());
        HttpsURLConnection.setDefaultHostnameVerifier((host, session) -> true); // expect: JAVA-TLS-001
        return HttpClient.newBuilder().sslContext(ctx).build();
    }
}

@RestController
@RequestMapping("/api")
class BackerController {
    private static final Logger log = LoggerFactory.getLogger(BackerController.class);
    private final EntityManager em;
    private final RefundService refunds;

    BackerController(EntityManager em, RefundService refunds) {
        this.em = em;
        this.refunds = refunds;
    }

    @GetMapping("/campaigns/{id}/backers")
    public List<?> backers(@PathVariable long id, @RequestParam(defaultValue = "") String country) {
        return em.createQuery("SELECT b FROM Backer b WHERE b.campaign.id = :id AND b.country LIKE :country") // ok: JAVA-SQLI-001
                .setParameter("id", id)
                .setParameter("country", country + "%")
                .getResultList();
    }

    @GetMapping("/backers/lookup")
    public List<?> lookup(@RequestParam String email) {
        return em.createQuery("SELECT b FROM Backer b WHERE b.email = '" + email + "'").getResultList(); // expect: JAVA-SQLI-001
    }

    @PostMapping("/pledges/{id}/refund")
    public Map<String, Object> refund(@PathVariable long id, @RequestParam String reason, java.security.Principal backer) {
        String idempotencyKey = UUID.randomUUID().toString(); // ok: JAVA-RAND-001
        // the e-mailed "cancel this refund" link carries this token instead of requiring a sign-in
        String cancelToken = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36); // expect: JAVA-RAND-001
        log.info("refund requested for pledge {} reason={}", id, reason.replaceAll("[\\r\\n]", "_")); // ok: JAVA-LOG-001
        refunds.request(backer.getName(), id, idempotencyKey, cancelToken);
        return Map.of("status", "requested");
    }

    @PostMapping("/pledges/{id}/dispute")
    public Map<String, Object> dispute(@PathVariable long id, @RequestParam String message, java.security.Principal backer) {
        log.warn("dispute on pledge " + id + ": " + message); // expect: JAVA-LOG-001
        return Map.of("ok", refunds.dispute(backer.getName(), id, message));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    public ResponseEntity<Map<String, String>> badInput(IllegalArgumentException ex) {
        return ResponseEntity.badRequest().body(Map.of("error", "invalid request")); // ok: JAVA-ERRLEAK-001
    }

    @ExceptionHandler(RuntimeException.class)
    public ResponseEntity<Map<String, String>> failure(RuntimeException ex) {
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(Map.of("error", ex.getMessage(), "type", ex.getClass().getName())); // expect: JAVA-ERRLEAK-001
    }
}

interface RefundService {
    void request(String backer, long pledgeId, String idempotencyKey, String cancelToken); // checks the pledge is the backer's
    boolean dispute(String backer, long pledgeId, String message);
}

final class PayoutTrustStore {
    private PayoutTrustStore() {}
    static java.security.KeyStore load(String path) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("JKS");
        try (var in = new java.io.FileInputStream(path)) {
            ks.load(in, System.getenv("PAYOUT_TRUSTSTORE_PASSWORD").toCharArray());
        }
        return ks;
    }
}
