package com.example.notes.web;

import com.example.notes.model.Account;
import com.example.notes.repo.AccountRepository;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.util.UriComponentsBuilder;

@RestController
@RequestMapping("/api/session")
public class SessionApiController {

    private static final Logger log = LoggerFactory.getLogger(SessionApiController.class);
    private static final Set<String> ALLOWED_RETURN_HOSTS = Set.of("app.example.com", "docs.example.com");
    private static final String INVALID_LOGIN = "Invalid username or password";

    private final AccountRepository accounts;
    private final PasswordEncoder encoder;
    private final SecretKey signingKey;
    private final byte[] serviceToken;

    public SessionApiController(AccountRepository accounts, PasswordEncoder encoder) {
        this.accounts = accounts;
        this.encoder = encoder;
        this.signingKey = Keys.hmacShaKeyFor(System.getenv("NOTES_JWT_SECRET").getBytes(StandardCharsets.UTF_8));
        this.serviceToken = System.getenv("NOTES_SERVICE_TOKEN").getBytes(StandardCharsets.UTF_8);
    }

    @PostMapping("/login")
    public ResponseEntity<Map<String, String>> login(@RequestBody Map<String, String> body) {
        String username = body.getOrDefault("username", "");
        Account account = accounts.findByUsername(username).orElse(null);
        if (account == null || !encoder.matches(body.get("password"), account.getPasswordHash())) {
            log.info("Failed login for account id {}", account == null ? -1 : account.getId());
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", INVALID_LOGIN)); // ok: JAVA-ENUM-001
        }
        String jwt = Jwts.builder().subject(String.valueOf(account.getId())).signWith(signingKey).compact();
        ResponseCookie cookie = ResponseCookie.from("SESSION", jwt)
                .httpOnly(true)
                .secure(true)
                .sameSite("Strict")
                .maxAge(Duration.ofHours(8))
                .path("/")
                .build();
        return ResponseEntity.ok().header(HttpHeaders.SET_COOKIE, cookie.toString()).body(Map.of("status", "ok")); // ok: JAVA-COOKIE-002
    }

    @GetMapping("/me")
    public ResponseEntity<?> me(@RequestHeader("Authorization") String authorization) {
        String token = authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
        Jws<Claims> jws = Jwts.parser().verifyWith(signingKey).build().parseSignedClaims(token); // ok: JAVA-JWT-001
        return ResponseEntity.ok(accounts.findById(Long.parseLong(jws.getPayload().getSubject())));
    }

    @PostMapping("/service/rotate")
    public ResponseEntity<String> rotate(@RequestHeader("X-Service-Token") String presented) {
        byte[] given = presented.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, serviceToken)) { // ok: JAVA-TIMING-001
            return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
        }
        accounts.rotateServiceSessions();
        return ResponseEntity.ok("rotated");
    }

    @GetMapping("/return")
    public ResponseEntity<Void> returnTo(@RequestParam(name = "to", defaultValue = "/") String to) {
        URI target = URI.create(to);
        if (target.getHost() != null && !ALLOWED_RETURN_HOSTS.contains(target.getHost())) {
            target = URI.create("/");
        }
        return ResponseEntity.status(HttpStatus.FOUND).location(target).build(); // ok: JAVA-REDIRECT-001
    }

    @GetMapping("/docs-link")
    public ResponseEntity<Void> docs(@RequestParam("page") String page) {
        URI target = UriComponentsBuilder.fromUriString("https://docs.example.com/guides/")
                .pathSegment(page)
                .build()
                .encode()
                .toUri();
        return ResponseEntity.status(HttpStatus.FOUND).location(target).build();
    }

    @ExceptionHandler(IllegalArgumentException.class)
    public ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
        log.warn("rejected request", e);
        return ResponseEntity.badRequest().body(Map.of("error", "Invalid request")); // ok: JAVA-ERRLEAK-001
    }
}
