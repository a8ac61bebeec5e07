// Firmware updater for a fleet of smart thermostats: bundle intake, signing, device check-ins and mirrors.
//
// Attacker data: firmware bundles (zip files with a manifest) uploaded by the hardware vendor's build system,
// check-in frames that devices in customers' homes send over TCP (a device can be rooted, so every field is
// attacker data), and the mirror URL a device reports when it cannot reach us directly.
package com.example.fleet.firmware;

import java.io.*;
import java.net.*;
import java.net.http.*;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import java.util.*;
import java.util.zip.*;

import javax.crypto.*;
import javax.crypto.spec.*;
import javax.net.ssl.*;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

@Service
public class FirmwareUpdateService {

    private static final Logger log = LoggerFactory.getLogger(FirmwareUpdateService.class);
    private static final Path STAGING = Paths.get("/srv/firmware/staging").toAbsolutePath().normalize();
    private static final char[] SIGNING_STORE_PASSWORD = "t7Qm2vXc9LpR4wZe".toCharArray(); // expect: JAVA-SECRET-001
    private static final byte[] DEVICE_KEY_IV = new byte[] {0x13, 0x37, 0x42, 0x08, 0x19, 0x77, 0x21, 0x5a, 0x0c, 0x61, 0x2e, 0x45, 0x39, 0x10, 0x6b, 0x02};

    private final SecureRandom fleetRandom = new SecureRandom("thermo-fleet-v2".getBytes()); // expect: JAVA-SEED-001
    private final SecureRandom nonces = new SecureRandom();
    private final Random jitter = new Random();

    public Path stageBundle(InputStream upload, String bundleName) throws IOException {
        Path dir = Files.createDirectories(STAGING.resolve(bundleName.replaceAll("[^A-Za-z0-9._-]", "_")));
        try (ZipInputStream zip = new ZipInputStream(upload)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                Files.copy(zip, dir.resolve(entry.getName()), StandardCopyOption.REPLACE_EXISTING); // expect: JAVA-ZIPSLIP-001
            }
        }
        return dir;
    }

    public Path stageBundleChecked(InputStream upload, Path dir) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(upload)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path target = dir.resolve(entry.getName()).normalize();
                if (!target.startsWith(dir) || entry.isDirectory()) {
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.copy(zip, target); // ok: JAVA-ZIPSLIP-001
            }
        }
        return dir;
    }

    public Object loadInstaller(Path bundleDir) throws Exception {
        Properties manifest = new Properties();
        try (Reader r = Files.newBufferedReader(bundleDir.resolve("manifest.properties"))) {
            manifest.load(r);
        }
        Class<?> installer = Class.forName(manifest.getProperty("installer.class")); // expect: JAVA-REFLECT-001
        return installer.getDeclaredConstructor().newInstance();
    }

    public Map<String, byte[]> imageDigests(Path image) throws Exception {
        byte[] bytes = Files.readAllBytes(image);
        // v1 bootloaders only verify an MD5 of the image before flashing it
        byte[] legacy = MessageDigest.getInstance("MD5").digest(bytes); // expect: JAVA-HASH-002
        return Map.of("md5", legacy, "sha256", MessageDigest.getInstance("SHA-256").digest(bytes)); // ok: JAVA-HASH-002
    }

    public byte[] signImage(Path image, PrivateKey key, boolean legacyDevices) throws Exception {
        Signature signer = legacyDevices ? Signature.getInstance("SHA1withRSA") : Signature.getInstance("SHA256withECDSA"); // expect: JAVA-CRYPTO-001
        signer.initSign(key);
        signer.update(Files.readAllBytes(image));
        return signer.sign();
    }

    public void countersign(Path image, String channel) throws IOException {
        Runtime.getRuntime().exec("/opt/fwtools/fwsign --image " + image + " --channel " + channel); // expect: JAVA-CMDI-001
        new ProcessBuilder("/opt/fwtools/fwcheck", "--image", image.toString(), "--channel", channel).inheritIO().start(); // ok: JAVA-CMDI-001
    }

    public byte[] wrapDeviceKey(SecretKey fleetKey, byte[] deviceKey, boolean v1Device) throws GeneralSecurityException {
        if (v1Device) {
            Cipher cbc = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cbc.init(Cipher.ENCRYPT_MODE, fleetKey, new IvParameterSpec(DEVICE_KEY_IV)); // expect: JAVA-IV-001
            return cbc.doFinal(deviceKey);
        }
        byte[] nonce = new byte[12];
        nonces.nextBytes(nonce);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding"); // ok: JAVA-CRYPTO-001
        gcm.init(Cipher.ENCRYPT_MODE, fleetKey, new GCMParameterSpec(128, nonce)); // ok: JAVA-IV-001
        byte[] sealed = gcm.doFinal(deviceKey);
        byte[] out = Arrays.copyOf(nonce, nonce.length + sealed.length);
        System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
        return out;
    }

    public String enrolmentCode() {
        return String.format("%08d", new Random().nextInt(100_000_000)); // expect: JAVA-RAND-001
    }

    public long retryDelayMillis(int attempt) {
        return (1L << Math.min(attempt, 6)) * 1000 + jitter.nextInt(500); // ok: JAVA-RAND-001
    }

    public String deviceSessionKey() {
        byte[] key = new byte[32];
        fleetRandom.nextBytes(key);
        return HexFormat.of().formatHex(key);
    }

    public void serveCheckIns(int port) throws IOException {
        try (ServerSocket server = new ServerSocket(port)) {
            while (true) {
                Socket device = server.accept();
                try (ObjectInputStream in = new ObjectInputStream(device.getInputStream())) {
                    DeviceReport report = (DeviceReport) in.readObject(); // expect: JAVA-DESER-001
                    log.info("check-in from " + report.hostname() + " running " + report.firmwareVersion()); // expect: JAVA-LOG-001
                    if (report.mirrorUrl() != null) {
                        fetchFromMirror(report.mirrorUrl());
                    }
                } catch (ClassNotFoundException e) {
                    log.warn("unknown report class", e);
                }
            }
        }
    }

    private byte[] fetchFromMirror(String mirrorUrl) throws IOException {
        try {
            HttpClient client = HttpClient.newBuilder().sslContext(legacyMirrorContext()).build();
            HttpRequest req = HttpRequest.newBuilder(URI.create(mirrorUrl + "/latest.bin")).GET().build();
            return client.send(req, HttpResponse.BodyHandlers.ofByteArray()).body(); // expect: JAVA-SSRF-001
        } catch (InterruptedException | GeneralSecurityException e) {
            throw new IOException("mirror fetch failed", e);
        }
    }

    private SSLContext legacyMirrorContext() throws GeneralSecurityException {
        TrustManager[] trustAll = {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            public void checkServerTrusted(X509Certificate[] chain, String authType) { } // expect: JAVA-TLS-001
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }};
        SSLContext ctx = SSLContext.getInstance("TLSv1.1"); // expect: JAVA-TLS-002
        ctx.init(null, trustAll, nonces);
        return ctx;
    }

    public record DeviceReport(String deviceId, String hostname, String firmwareVersion, String mirrorUrl) implements Serializable { }
}
