package com.example.accounts.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.web.bind.annotation.*;

import com.example.accounts.Account;
import com.example.accounts.AccountRepository;
import com.example.accounts.MailService;

/** Sign-in, API tokens and password reset for the customer portal. */
@RestController
@RequestMapping("/api/auth")
public class AuthController {

    private static final String JWT_SECRET = "c2VjcmV0LXNpZ25pbmcta2V5LWZvci1wb3J0YWwtMjAyNA"; // expect: JAVA-SECRET-001
    private static final Random RANDOM = new Random();
    private static final SecureRandom SECURE_RANDOM = new SecureRandom();

    private final AccountRepository accounts;
    private final MailService mail;
    private final BCryptPasswordEncoder encoder = new BCryptPasswordEncoder(12);

    public AuthController(AccountRepository accounts, MailService mail) {
        this.accounts = accounts;
        this.mail = mail;
    }

    static String legacyHash(String password) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("MD5"); // expect: JAVA-HASH-001
        return HexFormat.of().formatHex(md.digest(password.getBytes(StandardCharsets.UTF_8)));
    }

    @PostMapping("/login")
    public ResponseEntity<?> login(@RequestBody Map<String, String> body, HttpServletResponse response) {
        Optional<Account> found = accounts.findByEmail(body.getOrDefault("email", "").toLowerCase());
        if (found.isEmpty() || !encoder.matches(body.getOrDefault("password", ""), found.get().getPasswordHash())) { // ok: JAVA-HASH-001
            return ResponseEntity.status(401).body(Map.of("error", "Invalid email or password")); // ok: JAVA-ENUM-001
        }
        String session = newToken(); // ok: JAVA-RAND-001
        Cookie cookie = new Cookie("PORTAL_SESSION", session);
        cookie.setHttpOnly(true);
        cookie.setPath("/");
        response.addCookie(cookie); // expect: JAVA-COOKIE-001
        return ResponseEntity.ok(Map.of("account", found.get().getId()));
    }

    @PostMapping("/login/remember")
    public ResponseEntity<?> remember(@RequestParam long accountId) {
        ResponseCookie cookie = ResponseCookie.from("REMEMBER", newToken()) // ok: JAVA-COOKIE-001
                .httpOnly(true).secure(true).sameSite("Lax").path("/").maxAge(2_592_000).build();
        return ResponseEntity.noContent().header(HttpHeaders.SET_COOKIE, cookie.toString()).build();
    }

    @PostMapping("/reset")
    public ResponseEntity<?> requestReset(@RequestParam String email) {
        Optional<Account> account = accounts.findByEmail(email.toLowerCase());
        if (account.isEmpty()) {
            return ResponseEntity.status(404).body(Map.of("error", "No account is registered with " + email)); // expect: JAVA-ENUM-001
        }
        String token = Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong()); // expect: JAVA-RAND-001
        accounts.saveResetToken(account.get().getId(), token);
        mail.sendReset(account.get().getEmail(), token);
        return ResponseEntity.accepted().build();
    }

    @GetMapping("/me")
    public ResponseEntity<?> me(@RequestHeader("Authorization") String authorization) {
        DecodedJWT jwt = JWT.decode(authorization.replace("Bearer ", "")); // expect: JAVA-JWT-001
        return ResponseEntity.ok(Map.of("subject", jwt.getSubject()));
    }

    @GetMapping("/me/verified")
    public ResponseEntity<?> meVerified(@RequestHeader("Authorization") String authorization) {
        DecodedJWT jwt = JWT.require(Algorithm.HMAC256(System.getenv("PORTAL_JWT_KEY"))).build() // ok: JAVA-JWT-001
                .verify(authorization.replace("Bearer ", ""));
        return ResponseEntity.ok(Map.of("subject", jwt.getSubject()));
    }

    @PostMapping("/api-tokens/check")
    public ResponseEntity<?> checkApiToken(@RequestHeader("X-Api-Token") String token, @RequestParam long accountId) {
        String stored = accounts.findApiToken(accountId).orElse("");
        if (token.equals(stored)) { // expect: JAVA-TIMING-001
            return ResponseEntity.ok().build();
        }
        return ResponseEntity.status(401).build();
    }

    @PostMapping("/api-tokens/verify")
    public ResponseEntity<?> verifyApiToken(@RequestHeader("X-Api-Token") String token, @RequestParam long accountId) {
        byte[] stored = accounts.findApiToken(accountId).orElse("").getBytes(StandardCharsets.UTF_8);
        boolean ok = MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), stored); // ok: JAVA-TIMING-001
        return ok ? ResponseEntity.ok().build() : ResponseEntity.status(401).build();
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        SECURE_RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
