package com.example.integrations.web;

import java.io.InputStream;
import java.io.ObjectInputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.util.Set;

import javax.net.ssl.HttpsURLConnection;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.util.HtmlUtils;
import org.w3c.dom.Document;

/** Partner integrations: XML order feeds, session hand-off, webhook tests and the post-login redirect. */
@Controller
@RequestMapping("/integrations")
public class IntegrationController {

    private static final Set<String> WEBHOOK_HOSTS = Set.of("hooks.partner-one.example", "api.partner-two.example");
    private final RestTemplate rest = new RestTemplate();

    static {
        HttpsURLConnection.setDefaultHostnameVerifier((hostname, session) -> true); // expect: JAVA-TLS-001
    }

    @PostMapping(value = "/feeds/orders", consumes = "application/xml")
    @ResponseBody
    public String importOrders(HttpServletRequest request) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance(); // expect: JAVA-XXE-001
        Document doc = factory.newDocumentBuilder().parse(request.getInputStream());
        return "imported " + doc.getElementsByTagName("order").getLength();
    }

    @PostMapping(value = "/feeds/stock", consumes = "application/xml")
    @ResponseBody
    public String importStock(HttpServletRequest request) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance(); // ok: JAVA-XXE-001
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        DocumentBuilder builder = factory.newDocumentBuilder();
        Document doc = builder.parse(request.getInputStream());
        return "imported " + doc.getElementsByTagName("item").getLength();
    }

    @PostMapping("/session/handoff")
    @ResponseBody
    public String handoff(HttpServletRequest request) throws Exception {
        try (InputStream in = request.getInputStream()) {
            Object state = new ObjectInputStream(in).readObject(); // expect: JAVA-DESER-001
            return state == null ? "empty" : "ok " + state.getClass().getSimpleName();
        }
    }

    @PostMapping("/webhooks/test")
    @ResponseBody
    public String testWebhook(@RequestParam String target) throws Exception {
        HttpURLConnection conn = (HttpURLConnection) new URL(target).openConnection(); // expect: JAVA-SSRF-001
        conn.setRequestMethod("POST");
        conn.setConnectTimeout(3000);
        return "status " + conn.getResponseCode();
    }

    @PostMapping("/webhooks/ping")
    @ResponseBody
    public String pingWebhook(@RequestParam String target) {
        URI uri = URI.create(target);
        if (!"https".equals(uri.getScheme()) || !WEBHOOK_HOSTS.contains(uri.getHost())) {
            return "host not allowed";
        }
        return rest.postForObject(uri, "{\"ping\":true}", String.class); // ok: JAVA-SSRF-001
    }

    @GetMapping("/done")
    public String done(@RequestParam(defaultValue = "/") String returnUrl) {
        return "redirect:" + returnUrl; // expect: JAVA-REDIRECT-001
    }

    @GetMapping("/finish")
    public String finish(@RequestParam(defaultValue = "/") String returnUrl) {
        boolean local = returnUrl.startsWith("/") && !returnUrl.startsWith("//");
        return "redirect:" + (local ? returnUrl : "/"); // ok: JAVA-REDIRECT-001
    }

    @GetMapping("/lookup")
    public void lookup(@RequestParam String partner, HttpServletResponse response) throws Exception {
        response.setContentType("text/html");
        response.getWriter().write("<p>No integration named " + partner + " was found.</p>"); // expect: JAVA-XSS-001
    }

    @GetMapping("/lookup-v2")
    public void lookupSafe(@RequestParam String partner, HttpServletResponse response) throws Exception {
        response.setContentType("text/html");
        response.getWriter().write("<p>No integration named " + HtmlUtils.htmlEscape(partner) + ".</p>"); // ok: JAVA-XSS-001
    }
}
