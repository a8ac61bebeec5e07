// Library lending portal for the Northgate public libraries (Spring MVC + JdbcTemplate + Spring LDAP).
// Members sign in with their card number and PIN, renew loans and reset PINs by e-mail; librarians sign in
// against the staff directory; the self-service kiosks call an API with tokens from the kiosk broker.
// Attacker data: form fields, query strings, cookies and headers from the public web and from kiosks in
// the branches (anyone can walk up to one).
package org.northgate.lending;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.ldap.core.LdapTemplate;
import org.springframework.ldap.query.LdapQueryBuilder;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.*;

@Controller
public class LibraryLendingController {
    private static final Set<String> RETURN_PAGES = Set.of("/loans", "/holds", "/account");
    private static final SecureRandom RNG = new SecureRandom();
    private static final SecureRandom ACTIVATION_RNG = new SecureRandom("northgate-kiosk".getBytes(StandardCharsets.UTF_8)); // expect: JAVA-SEED-001

    private final JdbcTemplate jdbc;
    private final LdapTemplate ldap;
    private final Algorithm kioskAlgorithm;
    private final Mailer mailer;

    public LibraryLendingController(JdbcTemplate jdbc, LdapTemplate ldap, KioskKeys keys, Mailer mailer) {
        this.jdbc = jdbc;
        this.ldap = ldap;
        this.kioskAlgorithm = Algorithm.RSA256(keys.publicKey(), null);
        this.mailer = mailer;
    }

    static String sha256Hex(String value) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256"); // expect: JAVA-HASH-001
        return HexFormat.of().formatHex(md.digest(value.getBytes(StandardCharsets.UTF_8)));
    }

    @PostMapping("/members/sign-in")
    public ResponseEntity<String> memberSignIn(@RequestParam String card, @RequestParam String pin, HttpServletResponse response) throws Exception {
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT id, pin_hash FROM members WHERE card_no = ?", card); // ok: JAVA-SQLI-001
        if (rows.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body("That library card is not registered"); // expect: JAVA-ENUM-001
        }
        String stored = (String) rows.get(0).get("pin_hash");
        if (!stored.equals(sha256Hex(pin))) { // expect: JAVA-TIMING-001
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body("Incorrect PIN for this card"); // expect: JAVA-ENUM-001
        }
        byte[] raw = new byte[32];
        RNG.nextBytes(raw);
        String token = HexFormat.of().formatHex(raw);
        jdbc.update("INSERT INTO member_sessions (token, member_id) VALUES (?, ?)", token, rows.get(0).get("id"));
        Cookie cookie = new Cookie("NG_MEMBER", token);
        cookie.setPath("/");
        response.addCookie(cookie); // expect: JAVA-COOKIE-001, JAVA-COOKIE-002
        return ResponseEntity.ok("welcome");
    }

    @PostMapping("/members/pin-reset")
    public ResponseEntity<String> pinReset(@RequestParam String email) {
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT id FROM members WHERE email = ?", email);
        if (rows.isEmpty()) {
            return ResponseEntity.badRequest().body("No member uses this e-mail address"); // expect: JAVA-ENUM-001
        }
        String code = String.valueOf(100000 + new Random().nextInt(900000)); // expect: JAVA-RAND-001
        jdbc.update("UPDATE members SET reset_code = ? WHERE id = ?", code, rows.get(0).get("id"));
        mailer.send(email, "Your PIN reset code", code);
        return ResponseEntity.ok("sent");
    }

    @PostMapping("/kiosk/activate")
    @ResponseBody
    @PreAuthorize("hasRole('LIBRARIAN')")
    public Map<String, String> activateKiosk(@RequestParam String branch) {
        return Map.of("branch", branch, "activation", Long.toHexString(ACTIVATION_RNG.nextLong()));
    }

    @PostMapping("/staff/sign-in")
    public String staffSignIn(@RequestParam String username, @RequestParam String password, @RequestParam(defaultValue = "/loans") String returnTo, HttpSession session) {
        boolean ok = ldap.authenticate("ou=staff,dc=northgate,dc=example", "(&(objectClass=person)(uid=" + username + "))", password); // expect: JAVA-LDAP-001
        if (!ok) {
            return "redirect:/staff/sign-in?error";
        }
        List<String> dns = lookupStaff(username);
        session.setAttribute("staffUser", dns.get(0));
        session.setAttribute("branchId", Long.valueOf(jdbcBranchFor(dns.get(0)))); // ok: JAVA-TRUST-001
        return "redirect:" + (RETURN_PAGES.contains(returnTo) ? returnTo : "/loans"); // ok: JAVA-REDIRECT-001
    }

    @PostMapping("/staff/switch-branch")
    public String switchBranch(HttpServletRequest request) {
        request.getSession().setAttribute("branchId", request.getParameter("branch")); // expect: JAVA-TRUST-001
        return "redirect:" + request.getParameter("next"); // expect: JAVA-REDIRECT-001
    }

    @GetMapping("/staff/lookup")
    @ResponseBody
    public List<String> lookupStaff(@RequestParam String uid) {
        return ldap.search(LdapQueryBuilder.query().base("ou=staff,dc=northgate,dc=example").where("uid").is(uid), (Object ctx) -> ctx.toString()); // ok: JAVA-LDAP-001
    }

    @PostMapping("/api/kiosk/checkout")
    @ResponseBody
    public Map<String, Object> kioskCheckout(@RequestHeader(HttpHeaders.AUTHORIZATION) String auth, @RequestParam String item) {
        DecodedJWT jwt = JWT.require(kioskAlgorithm).withIssuer("kiosk-broker").build().verify(auth.replace("Bearer ", "")); // ok: JAVA-JWT-001
        jdbc.update("INSERT INTO loans (member_id, item_barcode) VALUES (?, ?)", Long.valueOf(jwt.getSubject()), item);
        return Map.of("ok", true);
    }

    @PostMapping("/api/kiosk/renew")
    @ResponseBody
    public Map<String, Object> kioskRenew(@RequestHeader("X-Kiosk-Token") String token, @RequestParam String item) {
        DecodedJWT jwt = JWT.decode(token); // expect: JAVA-JWT-001
        int n = jdbc.update("UPDATE loans SET due = due + 14 WHERE member_id = ? AND item_barcode = ?", Long.valueOf(jwt.getSubject()), item);
        return Map.of("renewed", n);
    }

    @PostMapping("/members/remember")
    public ResponseEntity<Void> remember(@CookieValue("NG_MEMBER") String token) {
        ResponseCookie cookie = ResponseCookie.from("NG_REMEMBER", token).httpOnly(true).secure(true).sameSite("Lax").maxAge(2592000).build(); // ok: JAVA-COOKIE-001
        return ResponseEntity.noContent().header(HttpHeaders.SET_COOKIE, cookie.toString()).build();
    }

    private String jdbcBranchFor(String dn) {
        return jdbc.queryForObject("SELECT branch_id FROM staff WHERE dn = ?", String.class, dn);
    }

    interface Mailer { void send(String to, String subject, String body); }
    interface KioskKeys { java.security.interfaces.RSAPublicKey publicKey(); }
}
