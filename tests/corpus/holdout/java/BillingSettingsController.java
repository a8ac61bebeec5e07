package com.example.billing.web;

import com.example.billing.InvoiceService;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.servlet.view.RedirectView;

@Controller
@RequestMapping("/billing")
public class BillingSettingsController {

    private static final Logger LOGGER = LoggerFactory.getLogger(BillingSettingsController.class);
    private static final String WEBHOOK_SIGNING_SECRET = "whsec_8f3kQ2mZp9LxV7rT1bN4"; // expect: JAVA-SECRET-001

    private final InvoiceService invoices;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    public BillingSettingsController(InvoiceService invoices) {
        this.invoices = invoices;
        mapper.activateDefaultTyping(LaissezFaireSubTypeValidator.instance, ObjectMapper.DefaultTyping.NON_FINAL); // expect: JAVA-DESER-001
    }

    @PostMapping("/settings")
    public String save(@RequestParam String plan, @RequestParam(name = "next", required = false) String next) {
        invoices.changePlan(plan);
        if (next != null) {
            return "redirect:" + next; // expect: JAVA-REDIRECT-001
        }
        return "redirect:/billing";
    }

    @GetMapping("/callback")
    public RedirectView callback(@RequestParam("return_url") String returnUrl) {
        invoices.markReturned();
        return new RedirectView(returnUrl); // expect: JAVA-REDIRECT-001
    }

    @PostMapping("/webhook/test")
    @ResponseBody
    public String testWebhook(@RequestParam("endpoint") String endpoint) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(endpoint)).GET().build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString()); // expect: JAVA-SSRF-001
        return "status=" + res.statusCode();
    }

    @PostMapping("/webhook")
    @ResponseBody
    public String webhook(@RequestHeader("X-Signature") String signature, @RequestBody String payload) {
        String expected = invoices.hmacHex(WEBHOOK_SIGNING_SECRET, payload);
        if (!expected.equals(signature)) { // expect: JAVA-TIMING-001
            LOGGER.warn("Bad webhook signature {}", signature); // expect: JAVA-LOG-001
            return "rejected";
        }
        invoices.apply(payload);
        return "ok";
    }

    @GetMapping("/invoice/{id}")
    public String invoice(@PathVariable long id, Model model) {
        try {
            model.addAttribute("invoice", invoices.find(id));
            return "invoice";
        } catch (RuntimeException ex) {
            LOGGER.error("invoice lookup failed for {}", id, ex); // ok: JAVA-ERRLEAK-001
            model.addAttribute("error", "We could not load this invoice.");
            return "error";
        }
    }
}
