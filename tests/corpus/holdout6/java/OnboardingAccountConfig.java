// HR onboarding portal: Spring Boot application, security configuration and account endpoints.
//
// New hires sign in to the portal with the password they chose from the offer e-mail; HR staff sign in against the
// company directory; HR admins test payroll and directory connections. Attacker data: request parameters, JSON
// bodies and headers of the public portal (sign-in, reset) and of the admin endpoints.
package com.example.onboarding;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import javax.naming.InitialContext;
import javax.sql.DataSource;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactoryBuilder;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.ldap.core.LdapTemplate;
import org.springframework.ldap.query.LdapQueryBuilder;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@SpringBootApplication
public class OnboardingAccountConfig implements WebMvcConfigurer {

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(OnboardingAccountConfig.class);
        app.setDefaultProperties(Map.of("management.endpoints.web.exposure.include", "*")); // expect: JAVA-ACTUATOR-001
        app.run(args);
    }

    @Bean
    @Order(1)
    SecurityFilterChain portalChain(HttpSecurity http) throws Exception {
        http.securityMatcher("/portal/**");
        http.csrf(csrf -> csrf.disable()); // expect: JAVA-CSRF-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/portal/sign-in", "/portal/reset").permitAll()); // ok: JAVA-AUTHZ-001
        http.authorizeHttpRequests(auth -> auth.anyRequest().authenticated());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain staffChain(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.ignoringRequestMatchers("/api/vendor/**")); // ok: JAVA-CSRF-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/hr/admin/**").permitAll()); // expect: JAVA-AUTHZ-001
        http.authorizeHttpRequests(auth -> auth.anyRequest().hasRole("HR"));
        return http.formLogin(form -> form.loginPage("/hr/sign-in")).build();
    }

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        registry.addMapping("/portal/**").allowedOrigins("https://careers.example.com").allowCredentials(true); // ok: JAVA-CORS-001
        registry.addMapping("/api/**").allowedOriginPatterns("*").allowCredentials(true); // expect: JAVA-CORS-001
    }

    @Bean
    CloseableHttpClient payrollClient() {
        var tls = SSLConnectionSocketFactoryBuilder.create().setHostnameVerifier(NoopHostnameVerifier.INSTANCE).build(); // expect: JAVA-TLS-001
        return HttpClients.custom().setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().setSSLSocketFactory(tls).build()).build();
    }
}

@RestController
class AccountController {

    private final HireRepository hires;
    private final LdapTemplate ldap;
    private final ResetMailer mailer;
    private final SecureRandom random = new SecureRandom();

    AccountController(HireRepository hires, LdapTemplate ldap, ResetMailer mailer) {
        this.hires = hires;
        this.ldap = ldap;
        this.mailer = mailer;
    }

    private String newToken() {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private static String legacyDigest(String salt, String password) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256"); // expect: JAVA-HASH-001
        return HexFormat.of().formatHex(sha.digest((salt + password).getBytes(StandardCharsets.UTF_8)));
    }

    @PostMapping("/portal/sign-in")
    public ResponseEntity<?> hireSignIn(@RequestParam String email, @RequestParam String password, HttpServletResponse response) throws Exception {
        Hire hire = hires.findByEmailIgnoreCase(email).orElse(null);
        if (hire == null) {
            return ResponseEntity.status(401).body(Map.of("error", "We have no offer on file for " + email)); // expect: JAVA-ENUM-001
        }
        if (!legacyDigest(hire.getSalt(), password).equals(hire.getPasswordDigest())) { // expect: JAVA-TIMING-001
            return ResponseEntity.status(401).body(Map.of("error", "Your offer e-mail is right but the password is not")); // expect: JAVA-ENUM-001
        }
        String sessionId = newToken(); // ok: JAVA-RAND-001
        hires.saveSession(hire.getId(), sessionId);
        Cookie session = new Cookie("HIRE_SESSION", sessionId);
        session.setHttpOnly(true);
        session.setPath("/portal");
        response.addCookie(session); // expect: JAVA-COOKIE-001
        ResponseCookie remember = ResponseCookie.from("hire_remember", hires.rememberToken(hire.getId())).httpOnly(true).secure(true).sameSite("Lax").build();
        return ResponseEntity.ok().header(HttpHeaders.SET_COOKIE, remember.toString()).body(Map.of("ok", true)); // ok: JAVA-COOKIE-001
    }

    @PostMapping("/portal/reset")
    public Map<String, String> reset(@RequestParam String email) {
        return hires.findByEmailIgnoreCase(email)
                .map(h -> {
                    mailer.sendResetLink(h, newToken());
                    return Map.of("status", "If that address is registered you will get a link shortly");
                })
                .orElse(Map.of("status", "This address does not belong to any new hire")); // expect: JAVA-ENUM-001
    }

    @PostMapping("/hr/directory-check")
    public boolean staffCheck(@RequestParam String username, @RequestParam String password) {
        boolean known = !ldap.search(LdapQueryBuilder.query().where("uid").is(username), (attrs) -> attrs).isEmpty(); // ok: JAVA-LDAP-001
        return known && ldap.authenticate("ou=staff", "(&(objectClass=person)(uid=" + username + "))", password); // expect: JAVA-LDAP-001
    }

    @PostMapping("/hr/admin/test-connection")
    public String testConnection(@RequestParam String dataSourceName) throws Exception {
        DataSource ds = (DataSource) new InitialContext().lookup(dataSourceName); // expect: JAVA-JNDI-001
        try (Connection c = ds.getConnection()) {
            c.isValid(2);
        }
        try (Connection legacy = DriverManager.getConnection("jdbc:postgresql://payroll-db.internal.example/payroll", "onboarding_svc", "Hn5wK8pZr3Tq")) { // expect: JAVA-SECRET-001
            legacy.isValid(2);
        }
        return "ok";
    }
}
