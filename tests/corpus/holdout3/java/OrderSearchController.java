package com.example.shop.orders;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

@RestController
@RequestMapping("/api/orders")
public class OrderSearchController {

    private static final Logger log = LoggerFactory.getLogger(OrderSearchController.class);
    private static final Map<String, String> SORT_COLUMNS =
            Map.of("date", "created_at", "total", "total_cents", "status", "status");

    private final JdbcTemplate jdbc;
    private final OrderRepository orders;

    @PersistenceContext
    private EntityManager entityManager;

    public OrderSearchController(JdbcTemplate jdbc, OrderRepository orders) {
        this.jdbc = jdbc;
        this.orders = orders;
    }

    private static String likePattern(String term) {
        return "%" + term.replace("%", "\\%").replace("_", "\\_") + "%";
    }

    @GetMapping
    public List<Map<String, Object>> search(@RequestParam(defaultValue = "") String status,
                                            @RequestParam(defaultValue = "date") String sort,
                                            Principal principal) {
        String column = SORT_COLUMNS.getOrDefault(sort, "created_at");
        String sql = "SELECT id, number, status, total_cents FROM orders WHERE customer = '"
                + principal.getName() + "' AND status = '" + status + "' ORDER BY " + column + " DESC";
        log.info("Order search by {} with status {}", principal.getName(), status); // expect: JAVA-LOG-001
        return jdbc.queryForList(sql); // expect: JAVA-SQLI-001
    }

    @GetMapping("/by-number")
    public List<Map<String, Object>> byNumber(@RequestParam String number, Principal principal) {
        String sql = "SELECT id, number, status FROM orders WHERE customer = ? AND number LIKE ? ESCAPE '\\'";
        return jdbc.queryForList(sql, principal.getName(), likePattern(number)); // ok: JAVA-SQLI-001
    }

    @GetMapping("/recent")
    public List<Map<String, Object>> recent(@RequestParam(defaultValue = "date") String sort, Principal principal) {
        String column = SORT_COLUMNS.getOrDefault(sort, "created_at");
        String sql = String.format("SELECT id, number, status FROM orders WHERE customer = ? ORDER BY %s DESC LIMIT 20", column);
        return jdbc.queryForList(sql, principal.getName()); // ok: JAVA-SQLI-001
    }

    @GetMapping("/by-sku")
    public List<Order> bySku(@RequestParam String sku, Principal principal) {
        String jpql = String.format("SELECT o FROM Order o JOIN o.lines l WHERE o.customer = '%s' AND l.sku = '%s'",
                principal.getName(), sku);
        return entityManager.createQuery(jpql, Order.class).getResultList(); // expect: JAVA-SQLI-001
    }

    @GetMapping("/by-coupon")
    public List<Order> byCoupon(@RequestParam String coupon, Principal principal) {
        return entityManager
                .createQuery("SELECT o FROM Order o WHERE o.customer = :customer AND o.coupon = :coupon", Order.class) // ok: JAVA-SQLI-001
                .setParameter("customer", principal.getName())
                .setParameter("coupon", coupon)
                .getResultList();
    }

    @GetMapping("/{id}")
    public ResponseEntity<Order> get(@PathVariable long id) {
        // TODO: check that the order belongs to the signed-in customer // expect: JAVA-TODO-001
        return orders.findById(id).map(ResponseEntity::ok).orElse(ResponseEntity.notFound().build());
    }

    @GetMapping(value = "/lookup", produces = MediaType.TEXT_HTML_VALUE)
    public String lookup(@RequestParam String number, Principal principal) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT status FROM orders WHERE customer = ? AND number = ?", principal.getName(), number);
        if (rows.isEmpty()) {
            return "<p>No order found with number <b>" + number + "</b></p>"; // expect: JAVA-XSS-001
        }
        return "<p>Order " + HtmlUtils.htmlEscape(number) + " is " + HtmlUtils.htmlEscape(String.valueOf(rows.get(0).get("status"))) + "</p>"; // ok: JAVA-XSS-001
    }

    @GetMapping("/export")
    public ResponseEntity<String> export(@RequestParam String from, @RequestParam String to, Principal principal) {
        try {
            String csv = orders.exportCsv(principal.getName(), from, to);
            return ResponseEntity.ok().contentType(MediaType.valueOf("text/csv")).body(csv);
        } catch (DataAccessException e) {
            return ResponseEntity.internalServerError().body("Export failed: " + e.getMessage()); // expect: JAVA-ERRLEAK-001
        }
    }

    @GetMapping("/summary")
    public ResponseEntity<Map<String, Object>> summary(@RequestParam(defaultValue = "") String note, Principal principal) {
        String safeNote = note.replaceAll("[\r\n]", "_");
        log.info("Summary requested by {} note={}", principal.getName(), safeNote); // ok: JAVA-LOG-001
        try {
            return ResponseEntity.ok(orders.summaryFor(principal.getName()));
        } catch (DataAccessException e) {
            log.error("summary query failed", e);
            return ResponseEntity.internalServerError().body(Map.of("error", "Could not load the summary")); // ok: JAVA-ERRLEAK-001
        }
    }
}
