package com.example.shop.web;

import com.example.shop.model.User;
import com.example.shop.repo.UserRepository;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jwts;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.client.RestTemplate;

@RestController
@RequestMapping("/api/account")
public class AccountController {

    private static final Logger log = LoggerFactory.getLogger(AccountController.class);

    private final UserRepository users;
    private final PasswordEncoder encoder;
    private final RestTemplate restTemplate = new RestTemplate();

    @Value("${app.jwt.secret}")
    private String jwtSecret;

    @Value("${app.internal.api-key}")
    private String internalApiKey;

    public AccountController(UserRepository users, PasswordEncoder encoder) {
        this.users = users;
        this.encoder = encoder;
    }

    @PostMapping("/login")
    public ResponseEntity<Map<String, String>> login(@RequestBody Map<String, String> body, HttpServletResponse response) {
        String username = body.get("username");
        log.info("Login attempt for user " + username); // expect: JAVA-LOG-001
        User user = users.findByUsername(username);
        if (user == null) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", "User not found")); // expect: JAVA-ENUM-001
        }
        if (!encoder.matches(body.get("password"), user.getPasswordHash())) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", "Wrong password")); // expect: JAVA-ENUM-001
        }
        String token = user.issueSessionToken();
        Cookie cookie = new Cookie("SESSION", token);
        cookie.setSecure(true);
        cookie.setPath("/");
        response.addCookie(cookie); // expect: JAVA-COOKIE-002
        return ResponseEntity.ok(Map.of("status", "ok"));
    }

    @GetMapping("/me")
    public ResponseEntity<?> me(@RequestHeader("Authorization") String authorization) {
        String token = authorization.replace("Bearer ", "");
        Claims claims = (Claims) Jwts.parser().setSigningKey(jwtSecret).parse(token).getBody(); // expect: JAVA-JWT-001
        return ResponseEntity.ok(users.findByUsername(claims.getSubject()));
    }

    @PostMapping("/internal/sync")
    public ResponseEntity<String> sync(@RequestHeader("X-Api-Key") String apiKey) {
        if (!apiKey.equals(internalApiKey)) { // expect: JAVA-TIMING-001
            return ResponseEntity.status(HttpStatus.FORBIDDEN).body("forbidden");
        }
        // TODO: add authorization check so only admins can trigger a full sync // expect: JAVA-TODO-001
        users.resync();
        return ResponseEntity.ok("started");
    }

    @GetMapping("/avatar/import")
    public ResponseEntity<byte[]> importAvatar(@RequestParam("url") String avatarUrl) {
        byte[] image = restTemplate.getForObject(avatarUrl, byte[].class); // expect: JAVA-SSRF-001
        return ResponseEntity.ok(image);
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<String> handle(Exception e) {
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("Error: " + e.getMessage()); // expect: JAVA-ERRLEAK-001
    }
}
