package com.example.feeds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.*;
import org.w3c.dom.Document;

@RestController
@RequestMapping("/feeds")
public class FeedImportService {

    private static final Logger log = LoggerFactory.getLogger(FeedImportService.class);
    private static final String CATALOG_BASE = "https://catalog.internal.example.com/v2/feeds/";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper;

    public FeedImportService() {
        PolymorphicTypeValidator ptv = BasicPolymorphicTypeValidator.builder()
                .allowIfSubType("com.example.feeds.model.")
                .build();
        this.mapper = new ObjectMapper();
        mapper.activateDefaultTyping(ptv, ObjectMapper.DefaultTyping.NON_FINAL); // ok: JAVA-DESER-001
    }

    private static DocumentBuilderFactory hardenedFactory() throws ParserConfigurationException {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance(); // ok: JAVA-XXE-001
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dbf.setFeature("http://xml.org/sax/features/external-general-entities", false);
        dbf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        dbf.setExpandEntityReferences(false);
        return dbf;
    }

    @PostMapping(value = "/opml", consumes = "application/xml")
    public int importOpml(InputStream body) throws Exception {
        Document doc = hardenedFactory().newDocumentBuilder().parse(body);
        return doc.getElementsByTagName("outline").getLength();
    }

    @GetMapping("/catalog/{feedId}")
    public String catalogEntry(@PathVariable String feedId) throws IOException, InterruptedException {
        String encoded = URLEncoder.encode(feedId, StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(CATALOG_BASE + encoded)).GET().build();
        HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString()); // ok: JAVA-SSRF-001
        return res.body();
    }

    public Object restoreSnapshot(InputStream snapshot) throws IOException, ClassNotFoundException {
        try (ObjectInputStream ois = new ObjectInputStream(snapshot)) {
            ois.setObjectInputFilter(ObjectInputFilter.Config.createFilter("com.example.feeds.model.*;!*"));
            return ois.readObject(); // ok: JAVA-DESER-001
        }
    }

    @PostMapping("/refresh")
    public String refresh(@RequestParam("name") String name) {
        String clean = name.replaceAll("[\r\n]", "_");
        log.info("Refreshing feed {}", clean); // ok: JAVA-LOG-001
        return "queued";
    }
}
