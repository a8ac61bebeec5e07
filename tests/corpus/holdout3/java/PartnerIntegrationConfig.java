package com.example.partners;

import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.HttpsURLConnection;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactoryBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.client.RestTemplate;

@Configuration
class PartnerIntegrationConfig {

    static final String LEGACY_PARTNER_API_KEY = "pk_9a1f4c7e2b8d4e6fa03c5b7d9e1f2a4c"; // expect: JAVA-SECRET-001

    @Bean
    SecurityFilterChain partnerApi(HttpSecurity http) throws Exception {
        http.securityMatcher("/partners/**").authorizeHttpRequests(auth -> auth.anyRequest().authenticated());
        http.formLogin(Customizer.withDefaults());
        // The partner portal's JavaScript posts forms without the token; switch CSRF off for now.
        http.csrf(csrf -> csrf.disable()); // expect: JAVA-CSRF-001
        return http.build();
    }

    @Bean
    SecurityFilterChain webhooks(HttpSecurity http) throws Exception {
        http.securityMatcher("/hooks/**").authorizeHttpRequests(auth -> auth.anyRequest().permitAll());
        http.csrf(csrf -> csrf.ignoringRequestMatchers("/hooks/**")); // ok: JAVA-CSRF-001
        return http.build();
    }

    @Bean
    RestTemplate partnerRestTemplate() {
        // Partner sandboxes use certificates issued for the wrong host name.
        var tls = SSLConnectionSocketFactoryBuilder.create().setHostnameVerifier(NoopHostnameVerifier.INSTANCE).build(); // expect: JAVA-TLS-001
        var connections = PoolingHttpClientConnectionManagerBuilder.create().setSSLSocketFactory(tls).build();
        CloseableHttpClient client = HttpClients.custom().setConnectionManager(connections).build();
        return new RestTemplate(new HttpComponentsClientHttpRequestFactory(client));
    }

    @Bean
    RestTemplate restTemplate() {
        return new RestTemplate(); // ok: JAVA-TLS-001
    }

    static void allowLegacyHosts() {
        HttpsURLConnection.setDefaultHostnameVerifier((hostname, session) -> true); // expect: JAVA-TLS-001
    }
}

@Controller
class PartnerController {

    private static final Set<String> RETURN_HOSTS = Set.of("partners.example.com", "portal.example.com");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RestTemplate partners;
    private final RestTemplate http;
    private final byte[] payloadKey;

    PartnerController(RestTemplate partnerRestTemplate, RestTemplate restTemplate,
                      @Value("${partners.payload-key}") String payloadKey) { // ok: JAVA-SECRET-001
        this.partners = partnerRestTemplate;
        this.http = restTemplate;
        this.payloadKey = Base64.getDecoder().decode(payloadKey);
    }

    @GetMapping("/partners/logo")
    @ResponseBody
    byte[] logo(@RequestParam String logoUrl) {
        return http.getForObject(logoUrl, byte[].class); // expect: JAVA-SSRF-001
    }

    @GetMapping("/partners/status")
    @ResponseBody
    String status(@RequestParam String partnerId) {
        URI uri = URI.create("https://api.partners.example.com/v1/status/").resolve(partnerId.replaceAll("[^A-Za-z0-9-]", ""));
        return partners.getForObject(uri, String.class); // ok: JAVA-SSRF-001
    }

    @GetMapping("/partners/connect/done")
    String connected(@RequestParam String returnUrl) {
        return "redirect:" + returnUrl; // expect: JAVA-REDIRECT-001
    }

    @GetMapping("/partners/connect/cancel")
    void cancelled(@RequestParam String returnUrl, HttpServletResponse response) throws Exception {
        URI target = URI.create(returnUrl);
        if (!"https".equals(target.getScheme()) || !RETURN_HOSTS.contains(target.getHost())) {
            target = URI.create("/partners");
        }
        response.sendRedirect(target.toString()); // ok: JAVA-REDIRECT-001
    }

    @PostMapping("/partners/payload")
    @ResponseBody
    String sealPayload(@RequestParam String payload) throws Exception {
        Cipher legacy = Cipher.getInstance("AES/ECB/PKCS5Padding"); // expect: JAVA-CRYPTO-001
        legacy.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(payloadKey, "AES"));
        String legacySealed = Base64.getEncoder().encodeToString(legacy.doFinal(payload.getBytes(StandardCharsets.UTF_8)));

        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding"); // ok: JAVA-CRYPTO-001
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(payloadKey, "AES"), new GCMParameterSpec(128, iv));
        String sealed = Base64.getEncoder().encodeToString(gcm.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        String signature = DigestUtils.md5Hex(LEGACY_PARTNER_API_KEY + payload); // expect: JAVA-HASH-002
        String checksum = DigestUtils.sha256Hex(payload); // ok: JAVA-HASH-002
        return legacySealed + "." + Base64.getEncoder().encodeToString(iv) + "." + sealed + "." + signature + "." + checksum;
    }
}
