package com.example.support.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jwts;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.ldap.core.LdapTemplate;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Sign-in for the support desk: password login, OIDC callback, one-time codes, directory lookup, logout. */
@Controller
public class SsoLoginController {

    private static final Set<String> RETURN_HOSTS = Set.of("desk.example.com", "status.example.com");
    private final UserRepository users;
    private final PasswordEncoder encoder;
    private final LdapTemplate ldap;
    private final SsoProperties props;
    private final Random otpRandom = new Random();

    public SsoLoginController(UserRepository users, PasswordEncoder encoder, LdapTemplate ldap, SsoProperties props) {
        this.users = users;
        this.encoder = encoder;
        this.ldap = ldap;
        this.props = props;
    }

    @PostMapping("/login")
    public ResponseEntity<?> login(@RequestParam String email, @RequestParam String password, HttpServletResponse response)
            throws Exception {
        SupportUser user = users.findByEmail(email).orElse(null);
        if (user == null) {
            return ResponseEntity.status(404).body(Map.of("error", "No support account uses this e-mail")); // expect: JAVA-ENUM-001
        }
        boolean ok;
        if (user.isLegacyHash()) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((user.getSalt() + password).getBytes(StandardCharsets.UTF_8)); // expect: JAVA-HASH-001
            ok = MessageDigest.isEqual(digest, user.getLegacyDigest()); // ok: JAVA-TIMING-001
        } else {
            ok = encoder.matches(password, user.getPasswordHash()); // ok: JAVA-HASH-001
        }
        if (!ok) {
            return ResponseEntity.status(401).body(Map.of("error", "Wrong password")); // expect: JAVA-ENUM-001
        }
        Cookie session = new Cookie("DESK_SESSION", users.openSession(user));
        session.setHttpOnly(true);
        response.addCookie(session); // expect: JAVA-COOKIE-001
        Cookie remember = new Cookie("DESK_REMEMBER", users.rememberToken(user));
        remember.setSecure(true);
        response.addCookie(remember); // expect: JAVA-COOKIE-002
        return ResponseEntity.ok(Map.of("ok", true));
    }

    @GetMapping("/sso/callback")
    public String oidcCallback(@RequestParam("id_token") String idToken, @RequestParam(defaultValue = "/") String returnUrl,
                               @RequestParam String tenant, HttpSession session) {
        DecodedJWT claims = JWT.decode(idToken); // expect: JAVA-JWT-001
        session.setAttribute("user", users.upsertSso(claims.getSubject(), claims.getClaim("email").asString()));
        session.setAttribute("tenant", tenant); // expect: JAVA-TRUST-001
        return "redirect:" + returnUrl; // expect: JAVA-REDIRECT-001
    }

    @GetMapping("/sso/v2/callback")
    public ResponseEntity<Void> oidcCallbackV2(@RequestParam("id_token") String idToken, @RequestParam(defaultValue = "/") String next,
                                               HttpSession session) {
        DecodedJWT claims = JWT.require(Algorithm.RSA256((RSAPublicKey) props.getIdpKey(), null)) // ok: JAVA-JWT-001
                .withIssuer(props.getIssuer()).withAudience(props.getClientId()).build().verify(idToken);
        session.setAttribute("user", users.upsertSso(claims.getSubject(), claims.getClaim("email").asString()));
        URI target = URI.create(next);
        boolean local = target.getScheme() == null && target.getHost() == null && next.startsWith("/") && !next.startsWith("//");
        String location = local || ("https".equals(target.getScheme()) && RETURN_HOSTS.contains(target.getHost())) ? next : "/";
        ResponseCookie marker = ResponseCookie.from("DESK_SSO", "1").httpOnly(true).secure(true).sameSite("Lax").path("/").build();
        return ResponseEntity.status(302).header(HttpHeaders.SET_COOKIE, marker.toString()) // ok: JAVA-COOKIE-001
                .header(HttpHeaders.LOCATION, location).build(); // ok: JAVA-REDIRECT-001
    }

    @GetMapping("/logout")
    public void logout(HttpServletRequest request, HttpServletResponse response) throws IOException {
        request.getSession().invalidate();
        response.sendRedirect(request.getParameter("target")); // expect: JAVA-REDIRECT-001
    }

    @PostMapping("/login/code")
    public ResponseEntity<?> sendCode(@RequestParam String email) {
        String code = String.format("%06d", otpRandom.nextInt(1_000_000)); // expect: JAVA-RAND-001
        String correlation = UUID.randomUUID().toString(); // ok: JAVA-RAND-001
        users.findByEmail(email).ifPresent(u -> users.mailCode(u, code, correlation));
        return ResponseEntity.accepted().body(Map.of("message", "If the address is registered, a code is on its way")); // ok: JAVA-ENUM-001
    }

    @GetMapping("/directory/lookup")
    @ResponseBody
    public List<String> directoryLookup(@RequestParam String email, @RequestParam String team) {
        List<String> byMail = ldap.search("ou=people", "(mail=" + email + ")", (org.springframework.ldap.core.AttributesMapper<String>) a -> a.get("cn").get().toString()); // expect: JAVA-LDAP-001
        List<String> byTeam = ldap.search(org.springframework.ldap.query.LdapQueryBuilder.query().base("ou=people").where("departmentNumber").is(team), // ok: JAVA-LDAP-001
                (org.springframework.ldap.core.AttributesMapper<String>) a -> a.get("cn").get().toString());
        return byMail.isEmpty() ? byTeam : byMail;
    }

    @GetMapping("/api/me")
    @ResponseBody
    public Map<String, Object> me(@RequestHeader("Authorization") String authorization) {
        Claims claims = (Claims) Jwts.parser().setSigningKey(props.getApiSigningKey()).parse(authorization.substring(7)).getBody(); // expect: JAVA-JWT-001
        return Map.of("user", claims.getSubject(), "roles", claims.get("roles"));
    }

    @PostMapping("/scim/v2/Users")
    @ResponseBody
    public ResponseEntity<?> scimProvision(@RequestHeader("Authorization") String authorization, @RequestBody Map<String, Object> body) {
        if (!authorization.replaceFirst("^Bearer ", "").equals(props.getScimToken())) { // expect: JAVA-TIMING-001
            return ResponseEntity.status(401).build();
        }
        return ResponseEntity.status(201).body(users.provision(body));
    }
}

@Configuration
class DeskSecurityConfig implements WebMvcConfigurer {

    @Bean
    SecurityFilterChain deskFilterChain(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.disable()); // expect: JAVA-CSRF-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/actuator/**").permitAll()); // expect: JAVA-AUTHZ-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/login", "/login/code", "/sso/**", "/error").permitAll()); // ok: JAVA-AUTHZ-001
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/admin/**").hasRole("DESK_ADMIN").anyRequest().authenticated());
        return http.build();
    }

    @Override
    public void addCorsMappings(CorsRegistry registry) {
        registry.addMapping("/api/**").allowedOriginPatterns("*").allowCredentials(true); // expect: JAVA-CORS-001
        registry.addMapping("/public/**").allowedOrigins("*").allowCredentials(false); // ok: JAVA-CORS-001
    }
}
