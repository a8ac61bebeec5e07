package com.example.portal.account;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import javax.naming.directory.SearchControls;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.ldap.core.LdapTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/account")
public class AccountController {

    private static final Random RANDOM = new Random();
    private static final SecureRandom SECURE_RANDOM = new SecureRandom();

    private final UserRepository users;
    private final PasswordEncoder encoder;
    private final LdapTemplate ldap;
    private final MailService mail;
    private final Algorithm jwtAlgorithm;
    private final String serviceToken;

    public AccountController(UserRepository users, PasswordEncoder encoder, LdapTemplate ldap, MailService mail,
                             @Value("${portal.jwt.secret}") String jwtSecret,
                             @Value("${portal.service-token}") String serviceToken) {
        this.users = users;
        this.encoder = encoder;
        this.ldap = ldap;
        this.mail = mail;
        this.jwtAlgorithm = Algorithm.HMAC256(jwtSecret);
        this.serviceToken = serviceToken;
    }

    static String sha256Hex(String value) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        return HexFormat.of().formatHex(md.digest(value.getBytes(StandardCharsets.UTF_8)));
    }

    @PostMapping("/register")
    public ResponseEntity<?> register(@RequestBody RegisterRequest body) throws NoSuchAlgorithmException {
        User user = new User(body.email().toLowerCase());
        user.setPasswordHash(sha256Hex(body.password())); // expect: JAVA-HASH-001
        users.save(user);
        return ResponseEntity.status(HttpStatus.CREATED).build();
    }

    @PostMapping("/login")
    public ResponseEntity<?> login(@RequestBody LoginRequest body, HttpServletResponse response) {
        Optional<User> found = users.findByEmail(body.email().toLowerCase());
        if (found.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", "No account for " + body.email())); // expect: JAVA-ENUM-001
        }
        if (!encoder.matches(body.password(), found.get().getPasswordHash())) { // ok: JAVA-HASH-001
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", "Wrong password")); // expect: JAVA-ENUM-001
        }
        String token = JWT.create().withSubject(found.get().getId().toString()).sign(jwtAlgorithm);
        Cookie cookie = new Cookie("PORTAL_SESSION", token);
        cookie.setSecure(true);
        cookie.setPath("/");
        response.addCookie(cookie); // expect: JAVA-COOKIE-002
        return ResponseEntity.ok(Map.of("ok", true));
    }

    @PostMapping("/login/remember")
    public ResponseEntity<?> rememberMe(@RequestBody LoginRequest body) {
        User user = users.findByEmail(body.email().toLowerCase())
                .filter(u -> encoder.matches(body.password(), u.getPasswordHash()))
                .orElse(null);
        if (user == null) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", "Invalid email or password")); // ok: JAVA-ENUM-001
        }
        String token = JWT.create().withSubject(user.getId().toString()).sign(jwtAlgorithm);
        ResponseCookie cookie = ResponseCookie.from("PORTAL_REMEMBER", token)
                .httpOnly(true).secure(true).sameSite("Lax").path("/").maxAge(2_592_000).build();
        return ResponseEntity.ok().header(HttpHeaders.SET_COOKIE, cookie.toString()).body(Map.of("ok", true)); // ok: JAVA-COOKIE-002
    }

    @PostMapping("/password/forgot")
    public ResponseEntity<?> forgot(@RequestParam String email) {
        users.findByEmail(email.toLowerCase()).ifPresent(user -> {
            String code = String.format("%06d", RANDOM.nextInt(1_000_000)); // expect: JAVA-RAND-001
            user.setResetCode(encoder.encode(code));
            users.save(user);
            mail.sendResetCode(user.getEmail(), code);
        });
        return ResponseEntity.accepted().body(Map.of("message", "If the address is registered, we sent a code."));
    }

    @PostMapping("/api-keys")
    public Map<String, String> newApiKey(@RequestHeader("Authorization") String authorization) throws NoSuchAlgorithmException {
        DecodedJWT jwt = JWT.decode(authorization.replace("Bearer ", "")); // expect: JAVA-JWT-001
        byte[] raw = new byte[32];
        SECURE_RANDOM.nextBytes(raw); // ok: JAVA-RAND-001
        String key = HexFormat.of().formatHex(raw);
        String keyHash = sha256Hex(key); // ok: JAVA-HASH-001
        users.storeApiKeyHash(Long.parseLong(jwt.getSubject()), keyHash);
        return Map.of("apiKey", key);
    }

    @GetMapping("/me")
    public Map<String, Object> me(@RequestHeader("Authorization") String authorization) {
        DecodedJWT jwt = JWT.require(jwtAlgorithm).build().verify(authorization.replace("Bearer ", "")); // ok: JAVA-JWT-001
        return users.profile(Long.parseLong(jwt.getSubject()));
    }

    @PostMapping("/tenant")
    public ResponseEntity<?> switchTenant(HttpServletRequest request, HttpSession session) {
        session.setAttribute("activeTenant", request.getParameter("tenant")); // expect: JAVA-TRUST-001
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/directory")
    public Object directory(@RequestParam String name, @RequestHeader("X-Service-Token") String presented) {
        if (!serviceToken.equals(presented)) { // expect: JAVA-TIMING-001
            return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
        }
        return ldap.search("ou=people", "(&(objectClass=inetOrgPerson)(cn=" + name + "*))", // expect: JAVA-LDAP-001
                SearchControls.SUBTREE_SCOPE, (org.springframework.ldap.core.AttributesMapper<String>) a -> String.valueOf(a.get("mail").get()));
    }

    @GetMapping("/directory/v2")
    public Object directoryV2(@RequestParam String name, @RequestHeader("X-Service-Token") String presented) {
        byte[] a = serviceToken.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(a, presented.getBytes(StandardCharsets.UTF_8))) { // ok: JAVA-TIMING-001
            return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
        }
        var filter = new org.springframework.ldap.filter.AndFilter()
                .and(new org.springframework.ldap.filter.EqualsFilter("objectClass", "inetOrgPerson"))
                .and(new org.springframework.ldap.filter.LikeFilter("cn", name + "*"));
        return ldap.search("ou=people", filter.encode(), (org.springframework.ldap.core.AttributesMapper<String>) x -> String.valueOf(x.get("mail").get())); // ok: JAVA-LDAP-001
    }
}
