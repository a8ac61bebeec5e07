package com.example.catalog.imports;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;
import org.springframework.web.multipart.MultipartFile;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

@RestController
@RequestMapping("/admin/catalog")
public class CatalogImportController {

    private final Path importRoot;
    private final ObjectMapper mapper = new ObjectMapper();

    public CatalogImportController(@Value("${catalog.import-root}") String importRoot) {
        this.importRoot = Paths.get(importRoot).toAbsolutePath().normalize();
    }

    private static DocumentBuilder lenientBuilder() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance(); // expect: JAVA-XXE-001
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder();
    }

    private static DocumentBuilder hardenedBuilder() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance(); // ok: JAVA-XXE-001
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setExpandEntityReferences(false);
        return factory.newDocumentBuilder();
    }

    @PostMapping("/feed")
    public List<String> importFeed(@RequestParam("file") MultipartFile file, @RequestParam String supplier) throws Exception {
        Document doc = lenientBuilder().parse(file.getInputStream());
        XPath xpath = XPathFactory.newInstance().newXPath();
        String expr = "/catalog/product[@supplier='" + supplier + "']/sku/text()";
        NodeList skus = (NodeList) xpath.evaluate(expr, doc, XPathConstants.NODESET); // expect: JAVA-XPATH-001
        List<String> out = new ArrayList<>();
        for (int i = 0; i < skus.getLength(); i++) {
            out.add(skus.item(i).getNodeValue());
        }
        return out;
    }

    @PostMapping("/feed/preview")
    public List<String> previewFeed(@RequestParam("file") MultipartFile file, @RequestParam String supplier) throws Exception {
        Document doc = hardenedBuilder().parse(file.getInputStream());
        XPath xpath = XPathFactory.newInstance().newXPath();
        xpath.setXPathVariableResolver(name -> "supplier".equals(name.getLocalPart()) ? supplier : null);
        NodeList skus = (NodeList) xpath.evaluate("/catalog/product[@supplier=$supplier]/sku/text()", doc, XPathConstants.NODESET); // ok: JAVA-XPATH-001
        List<String> out = new ArrayList<>();
        for (int i = 0; i < skus.getLength() && i < 100; i++) {
            out.add(skus.item(i).getNodeValue());
        }
        return out;
    }

    @PostMapping("/snapshot/restore")
    public ResponseEntity<String> restoreSnapshot(@RequestParam("file") MultipartFile file) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(file.getInputStream())) {
            CatalogSnapshot snapshot = (CatalogSnapshot) in.readObject(); // expect: JAVA-DESER-001
            return ResponseEntity.ok("restored " + snapshot.size() + " products");
        }
    }

    @PostMapping("/rules")
    public ResponseEntity<String> importRules(@RequestBody String json) throws IOException {
        ObjectMapper polymorphic = new ObjectMapper();
        polymorphic.enableDefaultTyping(); // expect: JAVA-DESER-001
        PricingRules rules = polymorphic.readValue(json, PricingRules.class);
        return ResponseEntity.ok("loaded " + rules.count() + " rules");
    }

    @PostMapping("/rules/v2")
    public ResponseEntity<String> importRulesV2(@RequestBody String json) throws IOException {
        var validator = BasicPolymorphicTypeValidator.builder().allowIfSubType("com.example.catalog.pricing.").build();
        ObjectMapper typed = mapper.copy();
        typed.activateDefaultTyping(validator, ObjectMapper.DefaultTyping.NON_FINAL); // ok: JAVA-DESER-001
        PricingRules rules = typed.readValue(json, PricingRules.class);
        return ResponseEntity.ok("loaded " + rules.count() + " rules");
    }

    @PostMapping("/images")
    public ResponseEntity<String> uploadImage(@RequestParam("file") MultipartFile file) throws IOException {
        Path target = importRoot.resolve("images").resolve(file.getOriginalFilename());
        file.transferTo(target); // expect: JAVA-PATH-001
        return ResponseEntity.ok(target.getFileName().toString());
    }

    @GetMapping("/images/{name}")
    public ResponseEntity<byte[]> image(@PathVariable String name) throws IOException {
        Path images = importRoot.resolve("images");
        Path target = images.resolve(name).normalize();
        if (!target.startsWith(images) || !Files.isRegularFile(target)) {
            return ResponseEntity.notFound().build();
        }
        return ResponseEntity.ok(Files.readAllBytes(target)); // ok: JAVA-PATH-001
    }

    @PostMapping("/bundle")
    public ResponseEntity<String> importBundle(@RequestParam("file") MultipartFile file) throws IOException {
        Path dest = importRoot.resolve("bundles");
        int count = 0;
        try (ZipInputStream zip = new ZipInputStream(file.getInputStream())) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                Path out = dest.resolve(entry.getName());
                Files.createDirectories(out.getParent());
                Files.copy(zip, out, StandardCopyOption.REPLACE_EXISTING); // expect: JAVA-ZIPSLIP-001
                count++;
            }
        }
        return ResponseEntity.ok("unpacked " + count + " files");
    }

    @PostMapping("/thumbnails")
    public ResponseEntity<String> thumbnails(@RequestParam String image, @RequestParam(defaultValue = "200x200") String size) throws Exception {
        Path source = importRoot.resolve("images").resolve(Paths.get(image).getFileName());
        String cmd = "convert " + source + " -thumbnail " + size + " " + source + ".thumb.png";
        Process p = Runtime.getRuntime().exec(new String[] {"/bin/sh", "-c", cmd}); // expect: JAVA-CMDI-001
        return ResponseEntity.ok("exit " + p.waitFor());
    }

    @PostMapping("/thumbnails/v2")
    public ResponseEntity<String> thumbnailsV2(@RequestParam String image, @RequestParam(defaultValue = "200x200") String size) throws Exception {
        if (!size.matches("\\d{2,4}x\\d{2,4}")) {
            return ResponseEntity.badRequest().body("bad size");
        }
        Path source = importRoot.resolve("images").resolve(Paths.get(image).getFileName());
        Process p = new ProcessBuilder("convert", source.toString(), "-thumbnail", size, source + ".thumb.png").start(); // ok: JAVA-CMDI-001
        return ResponseEntity.ok("exit " + p.waitFor());
    }
}
